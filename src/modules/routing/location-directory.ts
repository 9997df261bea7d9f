import type { Executor } from '../../db/client.js';
import { locations } from '../../db/schema/index.js';
import type { RoutingCandidate } from './routing-input.js';

/** What routing knows about a location besides its stock. */
export interface LocationMeta {
  id: number;
  code: string;
  kind: RoutingCandidate['kind'];
  tags: string[];
  priority: number;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
  cutoffTime: string;
  processingDays: number;
  capacityOrders: number | null;
  capacityUnits: number | null;
  maxFeedAgeMinutes: number | null;
}

/** Every location, by id. */
export async function readLocations(tx: Executor): Promise<Map<number, LocationMeta>> {
  const rows = await tx.select().from(locations);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        code: row.code,
        kind: row.kind,
        tags: row.tags,
        priority: row.priority,
        country: row.address.country ?? null,
        latitude: row.latitude,
        longitude: row.longitude,
        timeZone: row.timeZone,
        cutoffTime: row.cutoffTime,
        processingDays: row.processingDays,
        capacityOrders: row.capacityOrdersPerDay,
        capacityUnits: row.capacityUnitsPerDay,
        maxFeedAgeMinutes: row.maxFeedAgeMinutes,
      },
    ]),
  );
}
