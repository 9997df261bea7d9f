import { sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import type { CarrierService, ServiceRate } from '../carriers/carriers.service.js';
import { distanceKm, placeAddress } from '../geo/geo.js';
import { locationAvailability } from '../inventory/index.js';
import { demandOf, earliestDelivery, plansFor, promiseOptions, type ShipFrom } from './options.js';
import type { PromiseRequest, PromiseView } from './promise.schemas.js';
import { createShipFromCache } from './ship-from-cache.js';

/**
 * The delivery date to promise for one parcel: the earliest any active service of the level offers
 * from this location (its cut-off, time zone and processing days; a service's own pickup cut-off there
 * when it has one). Undefined when no service's rate card covers the distance and weight.
 */
export function promisedDelivery({
  now,
  location,
  services,
  serviceLevel,
  distanceKm,
  weightGrams,
}: {
  now: Date;
  location: { code: string; timeZone: string; cutoffTime: string; processingDays: number };
  services: readonly ServiceRate[];
  serviceLevel: string;
  distanceKm: number;
  weightGrams: number;
}): string | undefined {
  return earliestDelivery({ now, from: { ...location, distanceKm }, services, serviceLevel, weightGrams });
}

export type PromiseService = ReturnType<typeof createPromiseService>;

export function createPromiseService({
  db,
  clock,
  carriers,
}: {
  db: Db;
  clock: Clock;
  carriers: Pick<CarrierService, 'activeServices'>;
}) {
  /** The channel and the lines' products, in one round trip. */
  async function context(channel: string, skus: string[]) {
    const result = await db.execute<{
      channel_active: boolean | null;
      products: Array<{ id: number; sku: string; active: boolean; weight_grams: number | null }>;
    }>(sql`
      SELECT (SELECT active FROM channels WHERE code = ${channel}) AS channel_active,
             (SELECT coalesce(json_agg(json_build_object('id', id, 'sku', sku, 'active', active, 'weight_grams', weight_grams)), '[]')
                FROM products WHERE sku = ANY(${sql.param(skus)}::text[])) AS products`);
    const row = result.rows[0];
    return {
      channelActive: row?.channel_active ?? null,
      products: new Map((row?.products ?? []).map((product) => [product.sku, product])),
    };
  }

  const shipFroms = createShipFromCache({ db });

  return {
    /**
     * Delivery options for the lines from the channel's sellable stock: reads only, locks nothing.
     * Unknown or inactive SKUs and channels are a 422 naming each; nothing to ship is an empty list.
     */
    async promise(input: PromiseRequest, channel: string): Promise<PromiseView> {
      const skus = [...new Set(input.lines.map((line) => line.sku))];
      const [found, services] = await Promise.all([context(channel, skus), carriers.activeServices()]);
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
      const place = placeAddress(input.destination);
      if (!place) {
        errors.push(
          bodyError('/destination/country', `"${input.destination.country}" is not a known country`),
        );
      }
      if (!place || errors.length > 0) {
        throw invalid(errors);
      }
      const now = clock.now();

      const productIds = [...found.products.values()].map((product) => product.id);
      const rows = (await locationAvailability(db, productIds, channel)).filter((row) => row.available > 0);
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
      // Locations without coordinates cannot be quoted: no distance, no rate.
      const locations: ShipFrom[] = !everythingSomewhere
        ? []
        : (await shipFroms.facts(stocked)).flatMap(({ latitude, longitude, ...location }) =>
            latitude === null || longitude === null
              ? []
              : [{ ...location, distanceKm: distanceKm({ latitude, longitude }, place) }],
          );
      const weights = new Map(
        [...found.products.values()].map((product) => [product.sku, product.weight_grams ?? 0]),
      );
      const plans = plansFor({ demand, locations, stock, weights });
      return {
        destination: place,
        options: promiseOptions({ now, plans, services, serviceLevel: input.service_level }),
      };
    },
  };
}
