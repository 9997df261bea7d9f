import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';

/** How a location ships: where it is (null when unknown) and its calendar. */
export interface LocationFacts {
  id: number;
  code: string;
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
  cutoffTime: string;
  processingDays: number;
}

/** How long a process trusts a location's facts before reading them again. */
const maxAgeMs = 1000;
const maxEntries = 10_000;

/**
 * Location facts by id for promising, cached per process. Every promise needs them for the locations
 * holding stock, and they change rarely, so each entry is read again only when it is older than 1 s:
 * a process may promise with a cut-off, time zone, processing days or coordinates up to 1 s old.
 * Whether a location is active and serves the channel is not cached: the availability query decides
 * that on every request. Only ids a request asks for are read.
 */
export function createShipFromCache({ db }: { db: Db }) {
  const entries = new Map<number, { facts: LocationFacts; readAt: number }>();

  async function read(ids: number[]): Promise<void> {
    const result = await db.execute<{
      id: string;
      code: string;
      latitude: number | null;
      longitude: number | null;
      time_zone: string;
      cutoff_time: string;
      processing_days: number;
    }>(sql`
      SELECT id, code, latitude, longitude, time_zone, cutoff_time, processing_days
        FROM locations WHERE id = ANY(${sql.param(ids)}::bigint[])`);
    if (entries.size + result.rows.length > maxEntries) {
      entries.clear();
    }
    const readAt = performance.now();
    for (const row of result.rows) {
      entries.set(Number(row.id), {
        readAt,
        facts: {
          id: Number(row.id),
          code: row.code,
          latitude: row.latitude,
          longitude: row.longitude,
          timeZone: row.time_zone,
          cutoffTime: row.cutoff_time,
          processingDays: row.processing_days,
        },
      });
    }
  }

  return {
    /** The facts of these locations; ids that name no location are left out. */
    async facts(ids: number[]): Promise<LocationFacts[]> {
      const now = performance.now();
      const stale = ids.filter((id) => {
        const entry = entries.get(id);
        return !entry || now - entry.readAt >= maxAgeMs;
      });
      if (stale.length > 0) {
        await read(stale);
      }
      return ids.flatMap((id) => entries.get(id)?.facts ?? []);
    },
  };
}
