import { and, asc, eq, gt, notExists, or, sql } from 'drizzle-orm';
import { channels, locationChannels, locations } from '../../db/schema/index.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { CatalogDeps } from './deps.js';
import { channelCodesOf, presentLocation } from './location-store.js';
import type { Location } from './locations.schemas.js';

export interface LocationListQuery {
  limit: number;
  cursor?: string;
  active?: boolean;
  kind?: Location['kind'];
  tag?: string;
  channel?: string;
  country?: string;
}

export async function listLocations(
  { db }: Pick<CatalogDeps, 'db'>,
  query: LocationListQuery,
): Promise<Page<Location>> {
  const after = decodeCursor(query.cursor, ['number']);
  // A location with no channels of its own serves every channel.
  const servesChannel =
    query.channel === undefined
      ? undefined
      : or(
          notExists(db.select().from(locationChannels).where(eq(locationChannels.locationId, locations.id))),
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
        query.country === undefined ? undefined : sql`${locations.address}->>'country' = ${query.country}`,
        servesChannel,
        after ? gt(locations.id, Number(after[0])) : undefined,
      ),
    )
    .orderBy(asc(locations.id))
    .limit(query.limit + 1);
  const codes = await channelCodesOf(
    db,
    rows.map((row) => row.id),
  );
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => presentLocation(row, codes.get(row.id) ?? []),
  );
}
