import { type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import { locations, routingRuleSets } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { Address } from '../addresses/address.schemas.js';
import type { Plan, Planner } from '../allocation/index.js';
import { candidatesFor } from '../allocation/index.js';
import type { CarrierService, ServiceRate } from '../carriers/carriers.service.js';
import { quote } from '../carriers/rate-card.js';
import { channelByCode, productFactsBySku } from '../catalog/lookup.js';
import { distanceKm, type Place, placeAddress } from '../geo/geo.js';
import { type Sellable, sellableSelect, toSellableRows } from '../inventory/index.js';
import { localDate } from '../promising/calendar.js';
import { promisedDelivery } from '../promising/promise.service.js';
import { conditionErrors } from '../rules/condition.js';
import {
  evaluateRouting,
  type RoutingCandidate,
  type RoutingDecision,
  type ShipmentQuote,
} from './evaluate.js';
import { orderPriority } from './priority.js';
import type { Simulate, Simulation } from './routing.schemas.js';
import {
  builtInRuleSet,
  exampleRoutingFacts,
  type RoutingFacts,
  type RuleSet,
  type RuleSetBody,
  routingFactNames,
} from './rules.js';

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
}

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

/**
 * Counts a plan against its locations' daily capacity. The upsert only counts a location that still
 * has room when it runs (under the row's lock), so `RETURNING` fewer rows than `locations` means a
 * concurrent order took the room first.
 */
export interface UsageWrite {
  sql: SQL;
  locations: number;
}

/** Orders and units each location took on a day: [location id, day, orders, units]. */
export type UsageRow = [number, string, number, number];

export interface RoutingSession {
  place: Place | undefined;
  planner: Planner;
  /** The decision of the planner's last run. */
  decision(): RoutingDecision | undefined;
  /** Counts the plan's shipments against the capacity of their locations' local day. */
  usageWrite(plan: Plan): UsageWrite | undefined;
  /** The latest delivery date of the plan's shipments by the fastest service quoting each. */
  promisedDeliveryDate(plan: Plan): string | null;
}

const cacheMs = 1000;

const factCatalog = {
  names: routingFactNames,
  examples: [
    exampleRoutingFacts,
    { ...exampleRoutingFacts, destination_region: null, line_tags: [], order_value: 0, weight_grams: 0 },
  ],
};

/** Everything a rule set body must satisfy beyond its JSON schema. */
function ruleSetErrors(body: RuleSetBody): FieldError[] {
  return body.rules.flatMap((rule, i) =>
    conditionErrors(rule.condition, factCatalog).map((detail) => ({
      in: 'body' as const,
      pointer: `/rules/${i}/condition`,
      detail,
    })),
  );
}

export type RoutingService = ReturnType<typeof createRoutingService>;

export function createRoutingService({
  db,
  clock,
  carriers,
}: {
  db: Db;
  clock: Clock;
  carriers: CarrierService;
}) {
  // Rule sets and locations change rarely and are read on every order: each process keeps them for
  // up to a second, and a change made through this process clears its copy at once.
  const ruleSets = new Map<string, { ruleSet: RuleSet | undefined; until: number }>();
  let directory: { byId: Map<number, LocationMeta>; until: number } | undefined;
  // Bumped on every change: a read that started before it must not put the old value back in the cache.
  let generation = 0;

  async function saved(scope: string, tx: Executor = db): Promise<RuleSet | undefined> {
    const started = generation;
    const cached = ruleSets.get(scope);
    if (cached && cached.until > Date.now()) {
      return cached.ruleSet;
    }
    const [row] = await tx
      .select()
      .from(routingRuleSets)
      .where(sql`${routingRuleSets.scope} = ${scope}`)
      .orderBy(sql`${routingRuleSets.version} DESC`)
      .limit(1);
    const ruleSet = row && {
      scope: row.scope,
      version: row.version,
      body: row.body as unknown as RuleSetBody,
    };
    if (started === generation) {
      ruleSets.set(scope, { ruleSet, until: Date.now() + cacheMs });
    }
    return ruleSet;
  }

  async function locationsById(tx: Executor = db): Promise<Map<number, LocationMeta>> {
    if (directory && directory.until > Date.now()) {
      return directory.byId;
    }
    const started = generation;
    const rows = await tx.select().from(locations);
    const byId = new Map(
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
        },
      ]),
    );
    if (started === generation) {
      directory = { byId, until: Date.now() + cacheMs };
    }
    return byId;
  }

  return {
    /** The rule set a channel's orders use: its own, else the `*` set, else the built-in one. */
    async ruleSetFor(channel: string, tx: Executor = db): Promise<RuleSet> {
      return (await saved(channel, tx)) ?? (await saved('*', tx)) ?? builtInRuleSet;
    },

    /** The newest saved version of a scope; `*` falls back to the built-in set. */
    async current(scope: string): Promise<(RuleSet & { createdAt: Date | null }) | undefined> {
      const [row] = await db
        .select()
        .from(routingRuleSets)
        .where(sql`${routingRuleSets.scope} = ${scope}`)
        .orderBy(sql`${routingRuleSets.version} DESC`)
        .limit(1);
      if (row) {
        return {
          scope,
          version: row.version,
          body: row.body as unknown as RuleSetBody,
          createdAt: row.createdAt,
        };
      }
      return scope === '*' ? { ...builtInRuleSet, createdAt: null } : undefined;
    },

    async list(): Promise<Array<RuleSet & { createdAt: Date | null }>> {
      const rows = await db.execute<{
        scope: string;
        version: number;
        body: RuleSetBody;
        created_at: string;
      }>(sql`
        SELECT DISTINCT ON (scope) scope, version, body, created_at FROM routing_rule_sets ORDER BY scope, version DESC`);
      const sets = rows.rows.map((row) => ({
        scope: row.scope,
        version: row.version,
        body: row.body,
        createdAt: new Date(row.created_at),
      }));
      return sets.some((s) => s.scope === '*') ? sets : [{ ...builtInRuleSet, createdAt: null }, ...sets];
    },

    /** Saves a new version of a scope's rule set; concurrent saves get consecutive versions. */
    async replace(scope: string, body: RuleSetBody, actor: { apiKeyId: string | null }) {
      const saved = await inTransaction(db, async (tx) => {
        const errors = ruleSetErrors(body);
        if (scope !== '*') {
          const channel = await tx.execute(sql`SELECT 1 FROM channels WHERE code = ${scope}`);
          if (channel.rows.length === 0) {
            errors.push({
              in: 'params',
              pointer: '/scope',
              detail: `"${scope}" is neither * nor a channel code`,
            });
          }
        }
        if (errors.length > 0) {
          throw invalid(errors);
        }
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${0x0bd0_0003}, hashtext(${scope}))`);
        const [row] = await tx
          .insert(routingRuleSets)
          .values({
            scope,
            version: sql`(SELECT coalesce(max(version), 0) + 1 FROM routing_rule_sets WHERE scope = ${scope})`,
            body: body as unknown as Record<string, unknown>,
            createdBy: actor.apiKeyId,
          })
          .returning();
        return { scope, version: row?.version ?? 0, body, createdAt: row?.createdAt ?? null };
      });
      // Only once committed: a read before that would cache the old version again.
      ruleSets.clear();
      generation++;
      return saved;
    },

    /** What routing would decide for an unsaved order against current stock; nothing is locked or written. */
    async simulate(input: Simulate, caller: Caller): Promise<Simulation> {
      if (caller.channel !== null && input.channel !== undefined && input.channel !== caller.channel) {
        throw notFound(`Channel ${input.channel}`);
      }
      const code = input.channel ?? caller.channel;
      const errors: FieldError[] = [];
      if (code === null) {
        errors.push({
          in: 'body',
          pointer: '/channel',
          detail: 'is required for a key not bound to a channel',
        });
      }
      const [channel, facts] = await Promise.all([
        code === null ? undefined : channelByCode(db, code),
        productFactsBySku(
          db,
          input.lines.map((line) => line.sku),
        ),
      ]);
      if (code !== null && !channel?.active) {
        errors.push({ in: 'body', pointer: '/channel', detail: `"${code}" is not an active channel` });
      }
      input.lines.forEach((line, i) => {
        if (!facts.get(line.sku)?.active) {
          errors.push({
            in: 'body',
            pointer: `/lines/${i}/sku`,
            detail: `"${line.sku}" is not an active product`,
          });
        }
      });
      if (!channel || errors.length > 0) {
        throw invalid(errors);
      }
      const products = [...facts.values()];
      const demand = input.lines.map((line, i) => ({
        key: i,
        productId: facts.get(line.sku)?.id ?? 0,
        quantity: line.quantity,
      }));
      const stock = await db.execute<{ sellable: Sellable }>(
        sellableSelect(
          products.map((p) => p.id),
          { lock: false },
        ),
      );
      const session = await this.session(
        {
          channel: channel.code,
          shipTo: input.ship_to,
          serviceLevel: input.service_level,
          total: input.lines.reduce((total, line) => total + line.quantity * (line.unit_price ?? 0), 0),
          currency: input.currency ?? 'USD',
          priority: orderPriority(input.service_level, channel.priority),
        },
        products,
        await this.usage(db),
        { allowPartial: channel.allowBackorders },
      );
      const planned = session.planner({
        demand,
        candidates: candidatesFor(toSellableRows(stock.rows[0]?.sellable), channel.id),
      });
      // As at capture: a channel that does not backorder reserves nothing unless every line is covered.
      const plan =
        planned.unfilled.length > 0 && !channel.allowBackorders
          ? { allocations: [], unfilled: demand }
          : planned;
      const skuOf = (productId: number) => products.find((p) => p.id === productId)?.sku ?? '';
      const byLocation = new Map<number, Array<{ sku: string; quantity: number }>>();
      for (const allocation of plan.allocations) {
        byLocation.set(allocation.locationId, [
          ...(byLocation.get(allocation.locationId) ?? []),
          { sku: skuOf(allocation.productId), quantity: allocation.quantity },
        ]);
      }
      const byId = await locationsById();
      return {
        destination: session.place ?? null,
        plan: [...byLocation].map(([id, lines]) => ({ location: byId.get(id)?.code ?? String(id), lines })),
        unfilled: plan.unfilled.map((u) => ({ sku: skuOf(u.productId), quantity: u.quantity })),
        trace: (session.decision()?.trace ?? {}) as unknown as Record<string, unknown>,
      };
    },

    /** Forgets the cached locations (a location changed in this process). */
    forgetLocations(): void {
      directory = undefined;
      generation++;
    },

    /** Orders and units per location for the days any location's "today" can be, for capacity. */
    usageSelect: (): SQL => sql`
      SELECT coalesce(json_agg(json_build_array(location_id, day, orders, units)), '[]')
        FROM location_daily_usage
       WHERE day BETWEEN ${clock.now()}::date - 1 AND ${clock.now()}::date + 1`,

    async usage(tx: Executor): Promise<UsageRow[]> {
      const result = await tx.execute<{ usage: UsageRow[] }>(sql`SELECT (${this.usageSelect()}) AS usage`);
      return result.rows[0]?.usage ?? [];
    },

    /**
     * Prepares routing for one order: its destination, facts, rule set, the locations and carrier
     * services. The returned planner runs the evaluator on the candidates the engine locked.
     */
    async session(
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
            await this.ruleSetFor(order.channel, tx),
            await locationsById(tx),
            await carriers.activeServices(tx),
          ]
        : await Promise.all([this.ruleSetFor(order.channel), locationsById(), carriers.activeServices()]);
      const now = clock.now();
      const place = placeAddress(order.shipTo);
      const product = new Map(products.map((p) => [p.id, p]));
      const weights = new Map(products.map((p) => [p.id, p.weightGrams]));
      const matching = services.filter((service) => service.serviceLevels.includes(order.serviceLevel));
      const distanceTo = (meta: LocationMeta | undefined) =>
        place && meta && meta.latitude !== null && meta.longitude !== null
          ? distanceKm(place, { latitude: meta.latitude, longitude: meta.longitude })
          : null;
      let last: RoutingDecision | undefined;

      const planner: Planner = ({ demand, candidates }) => {
        const facts: RoutingFacts = {
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
            (total, line) => total + line.quantity * (weights.get(line.productId) ?? 0),
            0,
          ),
        };
        const routed: RoutingCandidate[] = candidates.map((candidate) => {
          const meta = byId.get(candidate.locationId);
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
          };
        });
        last = evaluateRouting({
          facts,
          demand,
          skus: new Map(products.map((p) => [p.id, p.sku])),
          weights,
          candidates: routed,
          quotes: (candidate, grams) => quotesFor(matching, candidate.distanceKm, grams),
          ruleSet,
          allowPartial: options.allowPartial,
          ...(options.skipCostReview ? { skipCostReview: true } : {}),
        });
        return last.plan;
      };

      const shipments = (plan: Plan) => {
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
      };

      return {
        place,
        planner,
        decision: () => last,
        usageWrite(plan) {
          const counted = shipments(plan).filter(
            (s) => s.meta?.capacityOrders != null || s.meta?.capacityUnits != null,
          );
          if (counted.length === 0) {
            return undefined;
          }
          const days = counted.map((s) => localDate(now, s.meta?.timeZone ?? 'UTC'));
          const room = sql`(SELECT coalesce(capacity_orders_per_day, 2147483647) AS orders,
                                   coalesce(capacity_units_per_day, 2147483647) AS units
                              FROM locations WHERE id = excluded.location_id)`;
          return {
            locations: counted.length,
            sql: sql`
              INSERT INTO location_daily_usage (location_id, day, orders, units)
              SELECT u.l, u.d, 1, u.n
                FROM unnest(${sql.param(counted.map((s) => s.locationId))}::bigint[], ${sql.param(days)}::date[],
                            ${sql.param(counted.map((s) => s.units))}::int[]) AS u(l, d, n)
                JOIN locations loc ON loc.id = u.l
               WHERE coalesce(loc.capacity_orders_per_day, 1) >= 1 AND u.n <= coalesce(loc.capacity_units_per_day, u.n)
              ON CONFLICT (location_id, day) DO UPDATE
                SET orders = location_daily_usage.orders + 1, units = location_daily_usage.units + excluded.units
                WHERE location_daily_usage.orders + 1 <= (SELECT orders FROM ${room} r)
                  AND location_daily_usage.units + excluded.units <= (SELECT units FROM ${room} r)
              RETURNING location_id`,
          };
        },
        promisedDeliveryDate(plan) {
          const dates = shipments(plan).map((shipment) => {
            const distance = distanceTo(shipment.meta);
            return shipment.meta && distance !== null
              ? promisedDelivery({
                  now,
                  location: shipment.meta,
                  services: matching,
                  serviceLevel: order.serviceLevel,
                  distanceKm: distance,
                  weightGrams: shipment.grams,
                })
              : undefined;
          });
          // The order arrives when its slowest shipment does; unknown if any shipment cannot be quoted.
          return dates.length === 0 || dates.includes(undefined)
            ? null
            : ((dates as string[]).sort().at(-1) ?? null);
        },
      };
    },
  };
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
