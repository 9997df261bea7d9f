import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { locations } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { CatalogDeps } from './deps.js';
import { fieldErrors, type LocationFields, place } from './location-fields.js';
import { loadLocation, presentLocation, replaceChannels } from './location-store.js';
import type { CreateLocation, Location, UpdateLocation } from './locations.schemas.js';

type LocationWriteDeps = Pick<CatalogDeps, 'db' | 'channels' | 'changed'>;

/** A transaction that writes locations: `changed` runs once it is over. */
const writing = <T>({ db, changed }: LocationWriteDeps, work: (tx: Executor) => Promise<T>): Promise<T> =>
  inTransaction(db, work).finally(changed);

/** Validates the fields and resolves channel codes, reporting every problem at once. */
async function checked(
  { channels }: Pick<CatalogDeps, 'channels'>,
  input: LocationFields,
  tx: Executor,
): Promise<Map<string, number> | undefined> {
  const errors = fieldErrors(input);
  const resolved = input.channels ? await channels.resolveCodes(input.channels, tx) : undefined;
  for (const code of resolved?.unknown ?? []) {
    const index = input.channels?.indexOf(code) ?? -1;
    errors.push({ in: 'body', pointer: `/channels/${index}`, detail: `"${code}" is not a known channel` });
  }
  if (errors.length > 0) {
    throw invalid(errors);
  }
  return resolved?.ids;
}

export const createLocation = (deps: LocationWriteDeps, input: CreateLocation): Promise<Location> =>
  writing(deps, async (tx) => {
    const channelIds = await checked(deps, input, tx);
    const [row] = await tx
      .insert(locations)
      .values({
        code: input.code,
        name: input.name,
        kind: input.kind,
        address: input.address,
        ...place(input, input.address),
        tags: input.tags,
        priority: input.priority,
        processingDays: input.processing_days,
        cutoffTime: input.cutoff_time,
        timeZone: input.time_zone,
        capacityOrdersPerDay: input.capacity_orders_per_day,
        capacityUnitsPerDay: input.capacity_units_per_day,
        maxFeedAgeMinutes: input.max_feed_age_minutes,
        fulfillment: input.fulfillment,
        active: input.active,
      })
      .onConflictDoNothing({ target: locations.code })
      .returning();
    if (!row) {
      throw conflict(`A location with code "${input.code}" already exists`);
    }
    await replaceChannels(tx, row.id, channelIds?.values() ?? []);
    return presentLocation(row, [...(channelIds?.keys() ?? [])].sort());
  });

export const updateLocation = (
  deps: LocationWriteDeps,
  code: string,
  input: UpdateLocation,
): Promise<Location> =>
  writing(deps, async (tx) => {
    const [existing] = await tx.select().from(locations).where(eq(locations.code, code)).for('update');
    if (!existing) {
      throw notFound(`Location ${code}`);
    }
    const channelIds = await checked(deps, input, tx);
    // New coordinates when given; a new address re-derives them unless they were set by hand.
    const explicit = input.latitude !== undefined || input.address?.latitude !== undefined;
    const rederive = input.address !== undefined && existing.coordinatesSource !== 'given';
    const placement = explicit || rederive ? place(input, input.address ?? existing.address) : {};
    await tx
      .update(locations)
      .set({
        name: input.name,
        kind: input.kind,
        address: input.address,
        ...placement,
        tags: input.tags,
        priority: input.priority,
        processingDays: input.processing_days,
        cutoffTime: input.cutoff_time,
        timeZone: input.time_zone,
        capacityOrdersPerDay: input.capacity_orders_per_day,
        capacityUnitsPerDay: input.capacity_units_per_day,
        maxFeedAgeMinutes: input.max_feed_age_minutes,
        fulfillment: input.fulfillment,
        active: input.active,
        updatedAt: sql`now()`,
      })
      .where(eq(locations.id, existing.id));
    if (channelIds) {
      await replaceChannels(tx, existing.id, channelIds.values());
    }
    return loadLocation(tx, code);
  });

export async function deactivateLocation(
  { db, changed }: Pick<CatalogDeps, 'db' | 'changed'>,
  code: string,
): Promise<Location> {
  const [row] = await db
    .update(locations)
    .set({ active: false, updatedAt: sql`now()` })
    .where(eq(locations.code, code))
    .returning({ id: locations.id })
    .finally(changed);
  if (!row) {
    throw notFound(`Location ${code}`);
  }
  return loadLocation(db, code);
}
