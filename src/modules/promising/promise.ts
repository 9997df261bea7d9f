import { sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import type { CarrierService } from '../carriers/index.js';
import { distanceKm, type Place, placeAddress } from '../geo/index.js';
import { lastFeedTimes, locationAvailability, staleFeed } from '../inventory/index.js';
import { demandOf, plansFor, promiseOptions, type ShipFrom } from './options.js';
import type { PromiseRequest, PromiseView } from './promise.schemas.js';
import type { createShipFromCache } from './ship-from-cache.js';

/** What the promise use case works with. */
export interface PromiseDeps {
  db: Db;
  clock: Clock;
  carriers: Pick<CarrierService, 'activeServices'>;
  shipFroms: ReturnType<typeof createShipFromCache>;
}

type ProductRow = { id: number; sku: string; active: boolean; weight_grams: number | null };

/**
 * Delivery options for the lines from the channel's sellable stock: reads only, locks nothing.
 * Unknown or inactive SKUs and channels are a 422 naming each; nothing to ship is an empty list.
 */
export async function promise(
  deps: PromiseDeps,
  input: PromiseRequest,
  channel: string,
): Promise<PromiseView> {
  const { db, clock, carriers } = deps;
  const skus = [...new Set(input.lines.map((line) => line.sku))];
  const [found, services] = await Promise.all([context(db, channel, skus), carriers.activeServices()]);
  const place = placeAddress(input.destination);
  const errors = requestErrors(input, channel, found, place);
  if (!place || errors.length > 0) {
    throw invalid(errors);
  }
  const now = clock.now();

  const productIds = [...found.products.values()].map((product) => product.id);
  const rows = await withFreshFeeds(
    deps,
    (await locationAvailability(db, productIds, channel)).filter((row) => row.available > 0),
    now,
  );
  const stock = new Map<string, Map<string, number>>();
  for (const row of rows) {
    let here = stock.get(row.location);
    if (!here) {
      here = new Map();
      stock.set(row.location, here);
    }
    here.set(row.sku, row.available);
  }
  const demand = demandOf(input.lines);
  const stocked = [...new Set(rows.map((row) => row.locationId))];
  const everythingSomewhere = demand.every((line) => rows.some((row) => row.sku === line.sku));
  const locations = everythingSomewhere ? await shipFromLocations(deps, stocked, place) : [];
  const weights = new Map(
    [...found.products.values()].map((product) => [product.sku, product.weight_grams ?? 0]),
  );
  const plans = plansFor({ demand, locations, stock, weights });
  return {
    destination: place,
    options: promiseOptions({ now, plans, services, serviceLevel: input.service_level }),
  };
}

/** The rows of locations whose stock feed is fresh enough to promise from (as routing judges it). */
async function withFreshFeeds<T extends { locationId: number }>(
  { db, shipFroms }: Pick<PromiseDeps, 'db' | 'shipFroms'>,
  rows: T[],
  now: Date,
): Promise<T[]> {
  const ids = [...new Set(rows.map((row) => row.locationId))];
  const watched = new Map(
    (await shipFroms.facts(ids)).flatMap((facts) =>
      facts.maxFeedAgeMinutes === null ? [] : [[facts.id, facts.maxFeedAgeMinutes] as const],
    ),
  );
  if (watched.size === 0) {
    return rows;
  }
  const feeds = await lastFeedTimes(db, [...watched.keys()]);
  return rows.filter(
    (row) => staleFeed(watched.get(row.locationId) ?? null, feeds.get(row.locationId), now) === null,
  );
}

/** The channel and the lines' products, in one round trip. */
async function context(db: Db, channel: string, skus: string[]) {
  const result = await db.execute<{ channel_active: boolean | null; products: ProductRow[] }>(sql`
    SELECT (SELECT active FROM channels WHERE code = ${channel}) AS channel_active,
           (SELECT coalesce(json_agg(json_build_object('id', id, 'sku', sku, 'active', active, 'weight_grams', weight_grams)), '[]')
              FROM products WHERE sku = ANY(${sql.param(skus)}::text[])) AS products`);
  const row = result.rows[0];
  return {
    channelActive: row?.channel_active ?? null,
    products: new Map((row?.products ?? []).map((product) => [product.sku, product])),
  };
}

/** An unknown or inactive channel or product, or a country no one can place. */
function requestErrors(
  input: PromiseRequest,
  channel: string,
  found: Awaited<ReturnType<typeof context>>,
  place: Place | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  if (found.channelActive !== true) {
    errors.push(
      bodyError(
        '/channel',
        found.channelActive === null
          ? `"${channel}" is not a known channel`
          : `"${channel}" is not an active channel`,
      ),
    );
  }
  input.lines.forEach((line, i) => {
    const product = found.products.get(line.sku);
    if (!product?.active) {
      errors.push(
        bodyError(
          `/lines/${i}/sku`,
          product ? `"${line.sku}" is not an active product` : `"${line.sku}" is not a known SKU`,
        ),
      );
    }
  });
  if (!place) {
    errors.push(bodyError('/destination/country', `"${input.destination.country}" is not a known country`));
  }
  return errors;
}

// Locations without coordinates cannot be quoted: no distance, no rate.
async function shipFromLocations({ shipFroms }: Pick<PromiseDeps, 'shipFroms'>, ids: number[], place: Place) {
  const facts = await shipFroms.facts(ids);
  return facts.flatMap(({ latitude, longitude, ...location }): ShipFrom[] =>
    latitude === null || longitude === null
      ? []
      : [{ ...location, distanceKm: distanceKm({ latitude, longitude }, place) }],
  );
}
