import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shipmentLines, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { nudged } from '../../workers/nudge.js';
import { productFactsBySku } from '../catalog/index.js';
import { appendEvents } from '../events/index.js';
import type { OrderState } from '../orders/index.js';
import type { FulfillmentDeps } from './deps.js';
import { planShipment } from './shipment-plan.js';
import {
  loadShipments,
  type ShipFromLocation,
  shipFromLocations,
  shipmentCounts,
  shipmentStatusesByOrder,
  unshippedReservations,
} from './shipment-store.js';
import { shipmentEvent } from './shipment-view.js';

/**
 * Orders released per transaction. A batch costs the same dozen statements however many orders it
 * holds, but a long transaction holds back more than its locks: the event sequencer numbers no event
 * committed after it began until it ends, so every webhook waits for the longest transaction under way.
 */
const batchSize = 10;
const maxBatches = 100;

type PlanContext = Omit<Parameters<typeof planShipment>[0], 'now'>;

export type Releaser = ReturnType<typeof createReleaser>;

/** A shipment to write: an order's units at one location, planned (ship-by, carrier, packing) now. */
interface PlannedShipment {
  state: OrderState;
  location: ShipFromLocation;
  items: Array<{ line: OrderState['lines'][number]; quantity: number }>;
  plan: ReturnType<typeof planShipment>;
  number: string;
}

/**
 * One shipment per order and ship-from location of the units no shipment carries yet, for a batch of
 * orders in four queries however many (one client runs one query at a time).
 */
async function planShipments(
  tx: Executor,
  states: OrderState[],
  context: PlanContext,
  now: Date,
): Promise<PlannedShipment[]> {
  const lineOf = new Map(states.flatMap((state) => state.lines.map((line) => [line.id, { state, line }])));
  const byLocation = await unshippedReservations(tx, [...lineOf.keys()]);
  if (byLocation.size === 0) {
    return [];
  }
  const locations = await shipFromLocations(tx, [...byLocation.keys()]);
  const products = await productFactsBySku(
    tx,
    [...lineOf.values()].map(({ line }) => line.sku),
  );
  const counters = await shipmentCounts(
    tx,
    states.map((state) => state.order.id),
  );
  const planned: PlannedShipment[] = [];
  for (const [locationId, wanted] of byLocation) {
    const location = locations.get(locationId);
    if (!location) {
      continue;
    }
    const byOrder = new Map<OrderState, PlannedShipment['items']>();
    for (const item of wanted) {
      const owner = lineOf.get(item.lineId);
      if (owner) {
        byOrder.set(owner.state, [
          ...(byOrder.get(owner.state) ?? []),
          { line: owner.line, quantity: item.quantity },
        ]);
      }
    }
    for (const [state, items] of byOrder) {
      const plan = planShipment(
        { ...context, now },
        {
          location,
          destination: state.order.destination,
          shipTo: state.order.shipTo,
          serviceLevel: state.order.serviceLevel,
          promisedDeliveryDate: state.order.promisedDeliveryDate,
          orderTags: state.order.tags,
          items: items.map(({ line, quantity }) => {
            const product = products.get(line.sku);
            return { tags: product?.tags ?? [], weightGrams: product?.weightGrams ?? 0, quantity };
          }),
          processingDays: location.processingDays,
        },
      );
      const counter = (counters.get(state.order.id) ?? 0) + 1;
      counters.set(state.order.id, counter);
      planned.push({ state, location, items, plan, number: `${state.order.number}-${counter}` });
    }
  }
  return planned;
}

/** Inserts the planned shipments and their lines in two statements; returns their ids, in plan order. */
async function insertShipments(tx: Executor, planned: PlannedShipment[], now: Date): Promise<string[]> {
  if (planned.length === 0) {
    return [];
  }
  const rows = await tx
    .insert(shipments)
    .values(
      planned.map(({ state, location, plan, number }) => ({
        number,
        orderId: state.order.id,
        channelId: state.order.channelId,
        orderCreatedAt: state.order.createdAt,
        locationId: location.id,
        serviceLevel: state.order.serviceLevel,
        shipBy: plan.shipBy,
        // PostgreSQL's time zone database, the one reports and alerts read the day with.
        shipDeadline: sql`((${plan.shipBy}::date + 1)::timestamp AT TIME ZONE ${location.timeZone})`,
        promisedDeliveryDate: state.order.promisedDeliveryDate,
        priority: state.order.priority,
        carrier: plan.carrier,
        service: plan.service,
        cost: plan.cost,
        weightGrams: plan.weightGrams,
        rateOptions: plan.rateOptions,
        packing: plan.packing,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning({ id: shipments.id, number: shipments.number });
  const idOf = new Map(rows.map((row) => [row.number, row.id]));
  const ids = planned.map((shipment) => idOf.get(shipment.number) ?? '');
  await tx.insert(shipmentLines).values(
    planned.flatMap(({ items }, i) =>
      items.map(({ line, quantity }) => ({
        shipmentId: ids[i] ?? '',
        orderLineId: line.id,
        productId: line.productId,
        sku: line.sku,
        quantity,
      })),
    ),
  );
  return ids;
}

/**
 * Turns allocated orders into shipments, one per ship-from location, once their channel's edit
 * window has passed (`orders.release_due_at`). Orders are claimed with SKIP LOCKED, so replicas share
 * the queue; a nudge after a commit releases at once, and the periodic pass catches the rest.
 */
export function createReleaser(
  deps: Pick<FulfillmentDeps, 'db' | 'clock' | 'carriers' | 'packing' | 'orders' | 'log'>,
) {
  /**
   * Releases a batch of claimed orders in a dozen statements however many: their shipments with
   * `shipment.created`, then the orders themselves (the orders module's own transition).
   */
  async function releaseOrders(
    tx: Executor,
    states: OrderState[],
    context: PlanContext,
    now: Date,
  ): Promise<void> {
    if (states.length === 0) {
      return;
    }
    const planned = await planShipments(tx, states, context, now);
    const ids = await insertShipments(tx, planned, now);
    const created = await loadShipments(tx, ids);
    await appendEvents(
      tx,
      created.map((shipment) => shipmentEvent(shipment, 'shipment.created')),
    );
    const statuses = await shipmentStatusesByOrder(
      tx,
      states.map((state) => state.order.id),
    );
    await deps.orders.recordReleased(
      tx,
      states.map((state) => ({
        state,
        created: ids.filter((_, i) => planned[i]?.state === state),
        shipments: statuses.get(state.order.id) ?? [],
      })),
      now,
    );
  }

  /**
   * Releases the orders that are due, up to `maxBatches` batches, so a run (and a shutdown waiting for
   * it) stays short however long the queue; the next run carries on. Returns how many were looked at.
   */
  async function run(): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      // Read before the transaction: a transaction never waits on the pool for another connection.
      const context = { services: await deps.carriers.activeServices(), rules: await deps.packing.current() };
      const claimed = await inTransaction(deps.db, async (tx) => {
        const now = deps.clock.now();
        const due = await deps.orders.claimDueForRelease(tx, now, batchSize);
        await releaseOrders(tx, due.releasable, context, now);
        return due.claimed;
      });
      total += claimed;
      if (claimed < batchSize) {
        return total;
      }
    }
    return total;
  }

  return { run, ...nudged('release', run, deps.log) };
}
