import { and, asc, eq, gt, inArray, notExists, or, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { channels, locationChannels, locations } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { conflict, type FieldError, invalid, notFound } from '../../errors.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { addressErrors, type Coordinates, postalCoordinates } from '../addresses/address.js';
import type { Address } from '../addresses/address.schemas.js';
import type { ChannelService } from './channels.service.js';
import type { CreateLocation, Location, UpdateLocation } from './locations.schemas.js';

type LocationRow = typeof locations.$inferSelect;

const present = (row: LocationRow, channelCodes: string[]): Location => ({
  code: row.code,
  name: row.name,
  kind: row.kind,
  address: row.address,
  latitude: row.latitude,
  longitude: row.longitude,
  coordinates_source: row.coordinatesSource,
  tags: row.tags,
  priority: row.priority,
  processing_days: row.processingDays,
  cutoff_time: row.cutoffTime,
  time_zone: row.timeZone,
  capacity_orders_per_day: row.capacityOrdersPerDay,
  capacity_units_per_day: row.capacityUnitsPerDay,
  fulfillment: row.fulfillment,
  channels: channelCodes,
  active: row.active,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

type LocationFields = Omit<CreateLocation, 'code' | 'name' | 'kind' | 'address'> & { address?: Address };

/** Field errors that JSON Schema cannot express: country rules, time zones, coordinate pairs. */
function fieldErrors(input: LocationFields): FieldError[] {
  const errors = input.address ? addressErrors(input.address, '/address') : [];
  if (input.time_zone !== undefined && !isTimeZone(input.time_zone)) {
    errors.push({
      in: 'body',
      pointer: '/time_zone',
      detail: `"${input.time_zone}" is not an IANA time zone`,
    });
  }
  if ((input.latitude === undefined) !== (input.longitude === undefined)) {
    errors.push({
      in: 'body',
      pointer: '/latitude',
      detail: 'latitude and longitude must be given together',
    });
  }
  return errors;
}

interface Placement {
  latitude: number | null;
  longitude: number | null;
  coordinatesSource: 'given' | 'postal_code' | null;
}

/** Given coordinates win; otherwise a US or CA postal code places the location. */
function place(given: Partial<Coordinates>, address: Address): Placement {
  const latitude = given.latitude ?? address.latitude;
  const longitude = given.longitude ?? address.longitude;
  if (latitude !== undefined && longitude !== undefined) {
    return { latitude, longitude, coordinatesSource: 'given' };
  }
  const derived = postalCoordinates(address.country, address.postal_code);
  return derived
    ? { ...derived, coordinatesSource: 'postal_code' }
    : { latitude: null, longitude: null, coordinatesSource: null };
}

export type LocationService = ReturnType<typeof createLocationService>;

export function createLocationService({
  db,
  channels: channelService,
  changed = () => {},
}: {
  db: Db;
  channels: ChannelService;
  /** Called after every write (committed or not), so caches of locations elsewhere in the process drop their copy. */
  changed?: () => void;
}) {
  /** A transaction that writes locations: `changed` runs once it is over. */
  const writing = <T>(work: (tx: Executor) => Promise<T>): Promise<T> =>
    inTransaction(db, work).finally(changed);

  async function channelCodesOf(ids: number[], tx: Executor = db): Promise<Map<number, string[]>> {
    const byLocation = new Map<number, string[]>(ids.map((id) => [id, []]));
    if (ids.length > 0) {
      const rows = await tx
        .select({ locationId: locationChannels.locationId, code: channels.code })
        .from(locationChannels)
        .innerJoin(channels, eq(channels.id, locationChannels.channelId))
        .where(inArray(locationChannels.locationId, ids))
        .orderBy(asc(channels.code));
      for (const row of rows) {
        byLocation.get(row.locationId)?.push(row.code);
      }
    }
    return byLocation;
  }

  /** Validates the fields and resolves channel codes, reporting every problem at once. */
  async function checked(input: LocationFields, tx: Executor): Promise<Map<string, number> | undefined> {
    const errors = fieldErrors(input);
    const resolved = input.channels ? await channelService.resolveCodes(input.channels, tx) : undefined;
    for (const code of resolved?.unknown ?? []) {
      const index = input.channels?.indexOf(code) ?? -1;
      errors.push({ in: 'body', pointer: `/channels/${index}`, detail: `"${code}" is not a known channel` });
    }
    if (errors.length > 0) {
      throw invalid(errors);
    }
    return resolved?.ids;
  }

  async function replaceChannels(tx: Executor, locationId: number, channelIds: Iterable<number>) {
    await tx.delete(locationChannels).where(eq(locationChannels.locationId, locationId));
    const rows = [...channelIds].map((channelId) => ({ locationId, channelId }));
    if (rows.length > 0) {
      await tx.insert(locationChannels).values(rows);
    }
  }

  async function loadOne(code: string, tx: Executor = db): Promise<Location> {
    const [row] = await tx.select().from(locations).where(eq(locations.code, code));
    if (!row) {
      throw notFound(`Location ${code}`);
    }
    return present(row, (await channelCodesOf([row.id], tx)).get(row.id) ?? []);
  }

  return {
    create: (input: CreateLocation): Promise<Location> =>
      writing(async (tx) => {
        const channelIds = await checked(input, tx);
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
            fulfillment: input.fulfillment,
            active: input.active,
          })
          .onConflictDoNothing({ target: locations.code })
          .returning();
        if (!row) {
          throw conflict(`A location with code "${input.code}" already exists`);
        }
        await replaceChannels(tx, row.id, channelIds?.values() ?? []);
        return present(row, [...(channelIds?.keys() ?? [])].sort());
      }),

    get: (code: string) => loadOne(code),

    async list(query: {
      limit: number;
      cursor?: string;
      active?: boolean;
      kind?: Location['kind'];
      tag?: string;
      channel?: string;
      country?: string;
    }): Promise<Page<Location>> {
      const after = decodeCursor(query.cursor, ['number']);
      const servesChannel =
        query.channel === undefined
          ? undefined
          : or(
              notExists(
                db.select().from(locationChannels).where(eq(locationChannels.locationId, locations.id)),
              ),
              sql`exists (select 1 from ${locationChannels} join ${channels} on ${channels.id} = ${locationChannels.channelId}
                where ${locationChannels.locationId} = ${locations.id} and ${channels.code} = ${query.channel})`,
            );
      const rows = await db
        .select()
        .from(locations)
        .where(
          and(
            query.active === undefined ? undefined : eq(locations.active, query.active),
            query.kind === undefined ? undefined : eq(locations.kind, query.kind),
            query.tag === undefined ? undefined : sql`${query.tag} = ANY(${locations.tags})`,
            query.country === undefined
              ? undefined
              : sql`${locations.address}->>'country' = ${query.country}`,
            servesChannel,
            after ? gt(locations.id, Number(after[0])) : undefined,
          ),
        )
        .orderBy(asc(locations.id))
        .limit(query.limit + 1);
      const codes = await channelCodesOf(rows.map((row) => row.id));
      return toPage(
        rows,
        query.limit,
        (row) => [row.id],
        (row) => present(row, codes.get(row.id) ?? []),
      );
    },

    update: (code: string, input: UpdateLocation): Promise<Location> =>
      writing(async (tx) => {
        const [existing] = await tx.select().from(locations).where(eq(locations.code, code)).for('update');
        if (!existing) {
          throw notFound(`Location ${code}`);
        }
        const channelIds = await checked(input, tx);
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
            fulfillment: input.fulfillment,
            active: input.active,
            updatedAt: sql`now()`,
          })
          .where(eq(locations.id, existing.id));
        if (channelIds) {
          await replaceChannels(tx, existing.id, channelIds.values());
        }
        return loadOne(code, tx);
      }),

    async deactivate(code: string): Promise<Location> {
      const [row] = await db
        .update(locations)
        .set({ active: false, updatedAt: sql`now()` })
        .where(eq(locations.code, code))
        .returning({ id: locations.id })
        .finally(changed);
      if (!row) {
        throw notFound(`Location ${code}`);
      }
      return loadOne(code);
    },
  };
}
