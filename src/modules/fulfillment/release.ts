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
  shipmentStatusesOf,
  unshippedReservations,
} from './shipment-store.js';
import { shipmentEvent } from './shipment-view.js';

/**
 * Orders released per transaction: enough to batch a busy queue, few enough to keep it short. A long
 * transaction holds back more than its locks: the event sequencer numbers no event committed after it
 * began until it ends, so every webhook waits for the longest transaction under way.
 */
const batchSize = 5;
const maxBatches = 100;

type PlanContext = Omit<Parameters<typeof planShipment>[0], 'now'>;

export type Releaser = ReturnType<typeof createReleaser>;

/** Inserts one shipment of the order's units at a location, planned (ship-by, carrier, packing) now. */
async function insertShipment(
  tx: Executor,
  state: OrderState,
  location: ShipFromLocation,
  items: Array<{ line: OrderState['lines'][number]; quantity: number }>,
  plan: ReturnType<typeof planShipment>,
  shipment: { number: string; now: Date },
): Promise<string | undefined> {
  const [row] = await tx
    .insert(shipments)
    .values({
      number: shipment.number,
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
      createdAt: shipment.now,
      updatedAt: shipment.now,
    })
    .returning({ id: shipments.id });
  if (row) {
    await tx.insert(shipmentLines).values(
      items.map(({ line, quantity }) => ({
        shipmentId: row.id,
        orderLineId: line.id,
        productId: line.productId,
        sku: line.sku,
        quantity,
      })),
    );
  }
  return row?.id;
}

/** One shipment per ship-from location of the units no shipment carries yet; returns their ids. */
async function createShipments(
  tx: Executor,
  state: OrderState,
  context: PlanContext,
  now: Date,
): Promise<string[]> {
  const byLocation = await unshippedReservations(
    tx,
    state.lines.map((line) => line.id),
  );
  if (byLocation.size === 0) {
    return [];
  }
  // One client runs one query at a time: these go one after another.
  const locations = await shipFromLocations(tx, [...byLocation.keys()]);
  const products = await productFactsBySku(
    tx,
    state.lines.map((line) => line.sku),
  );
  const counted = await tx.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM shipments WHERE order_id = ${state.order.id}`,
  );
  let counter = counted.rows[0]?.n ?? 0;
  const created: string[] = [];
  for (const [locationId, wanted] of byLocation) {
    const location = locations.get(locationId);
    if (!location) {
      continue;
    }
    const items = wanted.flatMap((item) => {
      const line = state.lines.find((l) => l.id === item.lineId);
      return line ? [{ line, quantity: item.quantity, product: products.get(line.sku) }] : [];
    });
    const plan = planShipment(
      { ...context, now },
      {
        location,
        destination: state.order.destination,
        shipTo: state.order.shipTo,
        serviceLevel: state.order.serviceLevel,
        promisedDeliveryDate: state.order.promisedDeliveryDate,
        orderTags: state.order.tags,
        items: items.map(({ quantity, product }) => ({
          tags: product?.tags ?? [],
          weightGrams: product?.weightGrams ?? 0,
          quantity,
        })),
        processingDays: location.processingDays,
      },
    );
    const id = await insertShipment(tx, state, location, items, plan, {
      number: `${state.order.number}-${++counter}`,
      now,
    });
    if (id) {
      created.push(id);
    }
  }
  return created;
}

/**
 * Turns allocated orders into shipments, one per ship-from location, once their channel's edit
 * window has passed (`orders.release_due_at`). Orders are claimed with SKIP LOCKED, so replicas share
 * the queue; a nudge after a commit releases at once, and the periodic pass catches the rest.
 */
export function createReleaser(
  deps: Pick<FulfillmentDeps, 'db' | 'clock' | 'carriers' | 'packing' | 'orders' | 'log'>,
) {
  async function releaseOrder(
    tx: Executor,
    state: OrderState,
    context: PlanContext,
    now: Date,
  ): Promise<void> {
    const created = await createShipments(tx, state, context, now);
    const states = await loadShipments(tx, created);
    await appendEvents(
      tx,
      states.map((shipment) => shipmentEvent(shipment, 'shipment.created')),
    );
    const statuses = await shipmentStatusesOf(tx, state.order.id);
    await deps.orders.recordReleased(tx, state, { created, shipments: statuses, now });
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
        for (const state of due.releasable) {
          await releaseOrder(tx, state, context, now);
        }
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
