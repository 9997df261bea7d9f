import type { Executor } from '../../db/client.js';
import type { Address } from '../addresses/index.js';
import type { CandidateLocation, Demand, Plan, Planner } from '../allocation/index.js';
import { quote, type ServiceRate } from '../carriers/index.js';
import { distanceKm, type Place, placeAddress } from '../geo/index.js';
import { lastFeedTimes, staleFeed } from '../inventory/index.js';
import { type IncomingPart, localDate, promisedDelivery } from '../promising/index.js';
import type { RoutingDeps } from './deps.js';
import { evaluateRouting, type RoutingDecision } from './evaluate.js';
import { incomingDelivery } from './incoming-delivery.js';
import type { LocationMeta } from './location-directory.js';
import type { RoutingCandidate, ShipmentQuote } from './routing-input.js';
import { ruleSetFor } from './rule-sets.js';
import type { RoutingFacts } from './rules.js';
import { type UsageRow, type UsageWrite, usageWrite } from './usage-store.js';

/** The order being routed, as much of it as routing reads. */
export interface RoutedOrder {
  channel: string;
  shipTo: Address;
  serviceLevel: string;
  total: number;
  currency: string;
  priority: number;
}

export interface RoutedProduct {
  id: number;
  sku: string;
  weightGrams: number;
  tags: string[];
}

export interface RoutingSession {
  place: Place | undefined;
  planner: Planner;
  /** The decision of the planner's last run. */
  decision(): RoutingDecision | undefined;
  /** Counts the plan's shipments against the capacity of their locations' local day. */
  usageWrite(plan: Plan): UsageWrite | undefined;
  /** The latest delivery date of the plan's shipments by the fastest service quoting each. */
  promisedDeliveryDate(plan: Plan): string | null;
  /** When parcels of incoming units (what the order backorders) can deliver; null if one cannot be quoted. */
  incomingDeliveryDate(parts: readonly IncomingPart[]): string | null;
}

type DistanceTo = (meta: LocationMeta | undefined) => number | null;

/**
 * Prepares routing for one order: its destination, facts, rule set, the locations and carrier
 * services. The returned planner runs the evaluator on the candidates the engine locked.
 */
export async function openSession(
  deps: Pick<RoutingDeps, 'db' | 'clock' | 'carriers' | 'cache'>,
  order: RoutedOrder,
  products: RoutedProduct[],
  usage: UsageRow[],
  options: { allowPartial: boolean; skipCostReview?: boolean },
  /**
   * The caller's open transaction, if any: what is not cached is then read on its connection, one
   * query after another, so a transaction never waits on the pool for a second connection.
   */
  tx?: Executor,
): Promise<RoutingSession> {
  const [ruleSet, byId, services] = tx
    ? [
        await ruleSetFor(deps, order.channel, tx),
        await deps.cache.locationsById(tx),
        await deps.carriers.activeServices(tx),
      ]
    : await Promise.all([
        ruleSetFor(deps, order.channel),
        deps.cache.locationsById(),
        deps.carriers.activeServices(),
      ]);
  // Feed times change with every feed: read fresh, and only for locations that watch them.
  const watched = [...byId.values()].filter((meta) => meta.maxFeedAgeMinutes !== null).map((meta) => meta.id);
  const feeds = watched.length === 0 ? new Map<number, Date>() : await lastFeedTimes(tx ?? deps.db, watched);
  const now = deps.clock.now();
  const place = placeAddress(order.shipTo);
  const product = new Map(products.map((p) => [p.id, p]));
  const weights = new Map(products.map((p) => [p.id, p.weightGrams]));
  const matching = services.filter((service) => service.serviceLevels.includes(order.serviceLevel));
  const distanceTo: DistanceTo = (meta) =>
    place && meta && meta.latitude !== null && meta.longitude !== null
      ? distanceKm(place, { latitude: meta.latitude, longitude: meta.longitude })
      : null;
  const shipments = (plan: Plan) => shipmentsOf(plan, byId, weights);
  let last: RoutingDecision | undefined;

  const planner: Planner = ({ demand, candidates }) => {
    last = evaluateRouting({
      facts: routingFacts(order, product, demand),
      demand,
      skus: new Map(products.map((p) => [p.id, p.sku])),
      weights,
      candidates: candidates.map((candidate) =>
        routedCandidate(candidate, byId.get(candidate.locationId), { now, usage, distanceTo, feeds }),
      ),
      quotes: (candidate, grams) => quotesFor(matching, candidate.distanceKm, grams),
      ruleSet,
      allowPartial: options.allowPartial,
      ...(options.skipCostReview ? { skipCostReview: true } : {}),
    });
    return last.plan;
  };

  return {
    place,
    planner,
    decision: () => last,
    usageWrite: (plan) => usageWrite(now, shipments(plan)),
    promisedDeliveryDate: (plan) =>
      latestDelivery(shipments(plan), {
        now,
        services: matching,
        serviceLevel: order.serviceLevel,
        distanceTo,
      }),
    incomingDeliveryDate: (parts) =>
      incomingDelivery(parts, {
        now,
        byId,
        services: matching,
        serviceLevel: order.serviceLevel,
        distanceTo,
      }),
  };
}

function routingFacts(
  order: RoutedOrder,
  product: Map<number, RoutedProduct>,
  demand: Demand[],
): RoutingFacts {
  return {
    channel: order.channel,
    destination_country: order.shipTo.country,
    destination_region: order.shipTo.region ?? null,
    order_value: order.total,
    currency: order.currency,
    line_tags: [...new Set(demand.flatMap((line) => product.get(line.productId)?.tags ?? []))],
    service_level: order.serviceLevel,
    priority: order.priority,
    line_count: demand.length,
    unit_count: demand.reduce((total, line) => total + line.quantity, 0),
    weight_grams: demand.reduce(
      (total, line) => total + line.quantity * (product.get(line.productId)?.weightGrams ?? 0),
      0,
    ),
  };
}

/** A locked candidate as the evaluator sees it: with its kind, tags, distance and the room left today. */
function routedCandidate(
  candidate: CandidateLocation,
  meta: LocationMeta | undefined,
  {
    now,
    usage,
    distanceTo,
    feeds,
  }: { now: Date; usage: UsageRow[]; distanceTo: DistanceTo; feeds: ReadonlyMap<number, Date> },
): RoutingCandidate {
  const day = localDate(now, meta?.timeZone ?? 'UTC');
  const used = usage.find(([id, usedDay]) => id === candidate.locationId && usedDay === day);
  return {
    locationId: candidate.locationId,
    code: candidate.code,
    kind: meta?.kind ?? 'warehouse',
    tags: meta?.tags ?? [],
    priority: candidate.priority,
    country: meta?.country ?? null,
    distanceKm: distanceTo(meta),
    available: candidate.available,
    ordersLeft: meta?.capacityOrders == null ? null : meta.capacityOrders - (used?.[2] ?? 0),
    unitsLeft: meta?.capacityUnits == null ? null : meta.capacityUnits - (used?.[3] ?? 0),
    nextDay: nextCalendarDay(day),
    staleFeed: staleFeed(meta?.maxFeedAgeMinutes ?? null, feeds.get(candidate.locationId), now),
  };
}

/** One shipment per location of the plan, with its weight and units. */
function shipmentsOf(plan: Plan, byId: Map<number, LocationMeta>, weights: Map<number, number>) {
  const byLocation = new Map<number, number>();
  const units = new Map<number, number>();
  for (const allocation of plan.allocations) {
    const grams = allocation.quantity * (weights.get(allocation.productId) ?? 0);
    byLocation.set(allocation.locationId, (byLocation.get(allocation.locationId) ?? 0) + grams);
    units.set(allocation.locationId, (units.get(allocation.locationId) ?? 0) + allocation.quantity);
  }
  return [...byLocation].map(([locationId, grams]) => ({
    meta: byId.get(locationId),
    locationId,
    grams,
    units: units.get(locationId) ?? 0,
  }));
}

/** The order arrives when its slowest shipment does; unknown if any shipment cannot be quoted. */
function latestDelivery(
  shipments: Array<{ meta: LocationMeta | undefined; grams: number }>,
  {
    now,
    services,
    serviceLevel,
    distanceTo,
  }: {
    now: Date;
    services: ServiceRate[];
    serviceLevel: string;
    distanceTo: DistanceTo;
  },
): string | null {
  const dates = shipments.map((shipment) => {
    const distance = distanceTo(shipment.meta);
    return shipment.meta && distance !== null
      ? promisedDelivery({
          now,
          location: shipment.meta,
          services,
          serviceLevel,
          distanceKm: distance,
          weightGrams: shipment.grams,
        })
      : undefined;
  });
  return dates.length === 0 || dates.includes(undefined) ? null : ((dates as string[]).sort().at(-1) ?? null);
}

function nextCalendarDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function quotesFor(services: ServiceRate[], distance: number | null, grams: number): ShipmentQuote[] {
  if (distance === null) {
    return [];
  }
  return services.flatMap((service) => {
    const rate = quote(service.rateCard, distance, grams);
    return rate
      ? [
          {
            carrier: service.carrier,
            service: service.service,
            price: rate.price,
            transitDays: rate.transitDays,
          },
        ]
      : [];
  });
}
