import { sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import type { CarrierService } from '../carriers/index.js';
import {
  inactivePartOf,
  type ProductWithKit,
  type ProductWithKitRow,
  productsWithKits,
  productsWithKitsSelect,
} from '../catalog/index.js';
import { distanceKm, type Place, placeAddress } from '../geo/index.js';
import { demandOf, plansFor, promiseOptions, type ShipFrom, unitsOf } from './options.js';
import type { ChosenView, PromiseRequest, PromiseView } from './promise.schemas.js';
import type { createShipFromCache } from './ship-from-cache.js';

/** The promise's channel and products, as read once by the promise and handed to routing. */
export interface ChoiceInput {
  request: PromiseRequest;
  channel: { id: number; code: string; priority: number; allowBackorders: boolean };
  /** The lines' products and the components of the kits among them. */
  products: ProductWithKit[];
}

/** What capture would do with these lines now, as routing decides it (handed down by the composition root). */
export interface CaptureChoice {
  /**
   * The locations the channel's rules let ship this order now (capacity, fresh feed, ...), with what
   * the channel may sell there, by SKU.
   */
  eligible: Array<{ id: number; code: string; available: ReadonlyMap<string, number> }>;
  chosen: ChosenView | null;
}

/** What the promise use case works with. */
export interface PromiseDeps {
  db: Db;
  clock: Clock;
  carriers: Pick<CarrierService, 'activeServices'>;
  /** Routing, which capture uses: promising asks it rather than deciding on its own. */
  routing: { captureChoice(input: ChoiceInput): Promise<CaptureChoice> };
  shipFroms: ReturnType<typeof createShipFromCache>;
}

type ChannelRow = { id: number; active: boolean; priority: number; allow_backorders: boolean };

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
  if (!place || !found.channel || errors.length > 0) {
    throw invalid(errors);
  }
  const now = clock.now();
  // Routing decides as capture would, from the channel and products read above.
  const choice = await deps.routing.captureChoice({
    request: input,
    channel: {
      id: Number(found.channel.id),
      code: channel,
      priority: found.channel.priority,
      allowBackorders: found.channel.allow_backorders,
    },
    products: [...found.products.values()],
  });

  // Options come only from the locations capture could ship from now, with what the channel may sell there.
  const stock = new Map(choice.eligible.map((location) => [location.code, location.available]));
  const demand = demandOf(input.lines, (sku) => found.products.get(sku)?.kit);
  const units = demand.flatMap(unitsOf);
  const has = (location: CaptureChoice['eligible'][number], sku: string) =>
    (location.available.get(sku) ?? 0) > 0;
  const stocked = choice.eligible.filter((location) => units.some((line) => has(location, line.sku)));
  const everythingSomewhere = units.every((line) => stocked.some((location) => has(location, line.sku)));
  const locations = everythingSomewhere
    ? await shipFromLocations(
        deps,
        stocked.map((location) => location.id),
        place,
      )
    : [];
  const weights = new Map([...found.products.values()].map((product) => [product.sku, product.weightGrams]));
  const plans = plansFor({ demand, locations, stock, weights });
  return {
    destination: place,
    chosen: choice.chosen,
    options: promiseOptions({ now, plans, services, serviceLevel: input.service_level }),
  };
}

/** The channel and the lines' products (with the components of kits), in one round trip. */
async function context(db: Db, channel: string, skus: string[]) {
  const result = await db.execute<{ channel: ChannelRow | null; products: ProductWithKitRow[] }>(sql`
    SELECT (SELECT json_build_object('id', id, 'active', active, 'priority', priority, 'allow_backorders', allow_backorders)
              FROM channels WHERE code = ${channel}) AS channel,
           (${productsWithKitsSelect(sql.param(skus))}) AS products`);
  const row = result.rows[0];
  const found = row?.channel ?? null;
  return {
    channel: found,
    channelActive: found?.active ?? null,
    products: productsWithKits(row?.products ?? []),
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
    const inactivePart = product?.active ? inactivePartOf(product, found.products) : undefined;
    if (inactivePart) {
      errors.push(
        bodyError(`/lines/${i}/sku`, `kit "${line.sku}" contains "${inactivePart.sku}", which is not active`),
      );
    } else if (!product?.active) {
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
