import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { channels, locationChannels, locations } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Location } from './locations.schemas.js';

/** SQL shared by the location use cases: loading, presenting and the channels a location serves. */

type LocationRow = typeof locations.$inferSelect;

export const presentLocation = (row: LocationRow, channelCodes: string[]): Location => ({
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
  max_feed_age_minutes: row.maxFeedAgeMinutes,
  fulfillment: row.fulfillment,
  channels: channelCodes,
  active: row.active,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export async function channelCodesOf(tx: Executor, ids: number[]): Promise<Map<number, string[]>> {
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

export async function replaceChannels(tx: Executor, locationId: number, channelIds: Iterable<number>) {
  await tx.delete(locationChannels).where(eq(locationChannels.locationId, locationId));
  const rows = [...channelIds].map((channelId) => ({ locationId, channelId }));
  if (rows.length > 0) {
    await tx.insert(locationChannels).values(rows);
  }
}

export async function loadLocation(tx: Executor, code: string): Promise<Location> {
  const [row] = await tx.select().from(locations).where(eq(locations.code, code));
  if (!row) {
    throw notFound(`Location ${code}`);
  }
  return presentLocation(row, (await channelCodesOf(tx, [row.id])).get(row.id) ?? []);
}
