import { eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import { shipmentLines, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { nudged } from '../../workers/nudge.js';
import type { CarrierService } from '../carriers/carriers.service.js';
import { productFactsBySku } from '../catalog/lookup.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { assertTransition, fulfillmentStatus, type OrderStatus } from '../orders/order-state.js';
import { loadOrders, type OrderState, presentOrder, quantitiesOf } from '../orders/order-store.js';
import type { PackingRuleService } from './packing.service.js';
import { planShipment, type ShipmentItem } from './shipment-plan.js';
import {
  loadShipments,
  presentShipment,
  shipFromLocations,
  unshippedReservations,
} from './shipment-store.js';

/** Orders released per transaction: enough to batch a busy queue, few enough to keep locks short. */
const batchSize = 20;
const maxBatches = 25;

export type Releaser = ReturnType<typeof createReleaser>;

/**
 * Turns allocated orders into shipments, one per ship-from location, once their channel's edit
 * window has passed (`orders.release_due_at`). Orders are claimed with SKIP LOCKED, so replicas share
 * the queue; a nudge after a commit releases at once, and the periodic pass catches the rest.
 */
export function createReleaser({
  db,
  clock,
  carriers,
  packing,
  log,
}: {
  db: Db;
  clock: Clock;
  carriers: CarrierService;
  packing: PackingRuleService;
  log: FastifyBaseLogger;
}) {
  async function releaseOrder(
    tx: Executor,
    state: OrderState,
    context: Omit<Parameters<typeof planShipment>[0], 'now'>,
    now: Date,
  ): Promise<void> {
    const open = state.holds.some((hold) => hold.status === 'open');
    const waiting = state.lines.some((line) => line.quantityBackordered > 0);
    const releasable = ['allocated', 'released', 'partially_shipped'].includes(state.order.status);
    if (!releasable || open || waiting) {
      // Not releasable now; whatever makes it allocated again sets a new due time.
      await tx.execute(sql`UPDATE orders SET release_due_at = NULL WHERE id = ${state.order.id}`);
      return;
    }
    const byLocation = await unshippedReservations(
      tx,
      state.lines.map((line) => line.id),
    );

    const events: NewEvent[] = [];
    const created: string[] = [];
    if (byLocation.size > 0) {
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
      for (const [locationId, items] of byLocation) {
        const location = locations.get(locationId);
        if (!location) {
          continue;
        }
        const lines = items.flatMap((item) => {
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
            items: lines.map(
              ({ quantity, product }): ShipmentItem => ({
                tags: product?.tags ?? [],
                weightGrams: product?.weightGrams ?? 0,
                quantity,
              }),
            ),
            processingDays: location.processingDays,
          },
        );
        const [shipment] = await tx
          .insert(shipments)
          .values({
            number: `${state.order.number}-${++counter}`,
            orderId: state.order.id,
            locationId,
            serviceLevel: state.order.serviceLevel,
            shipBy: plan.shipBy,
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
          })
          .returning({ id: shipments.id });
        if (!shipment) {
          continue;
        }
        await tx.insert(shipmentLines).values(
          lines.map(({ line, quantity }) => ({
            shipmentId: shipment.id,
            orderLineId: line.id,
            productId: line.productId,
            sku: line.sku,
            quantity,
          })),
        );
        created.push(shipment.id);
      }
    }
    for (const state of await loadShipments(tx, created)) {
      events.push({
        type: 'shipment.created',
        resourceType: 'shipment',
        resourceId: state.shipment.id,
        channel: state.order.channel,
        data: { shipment: presentShipment(state) },
      });
    }

    const statuses = await tx
      .select({ status: shipments.status })
      .from(shipments)
      .where(eq(shipments.orderId, state.order.id));
    const status: OrderStatus = fulfillmentStatus(state.lines.map(quantitiesOf), statuses) ?? 'released';
    if (status !== state.order.status) {
      assertTransition(state.order.status, status);
    }
    await tx.execute(
      sql`UPDATE orders SET status = ${status}, release_due_at = NULL, updated_at = ${now} WHERE id = ${state.order.id}`,
    );
    const snapshot = presentOrder({ ...state, order: { ...state.order, status, updatedAt: now } });
    if (created.length > 0 || status !== state.order.status) {
      events.push({
        type: created.length > 0 ? 'order.released' : `order.${status}`,
        resourceType: 'order',
        resourceId: state.order.id,
        channel: state.channel,
        data: { order: snapshot, shipments: created },
      });
    }
    await appendEvents(tx, events);
  }

  /**
   * Releases the orders that are due, up to `maxBatches` batches, so a run (and a shutdown waiting for
   * it) stays short however long the queue; the next run carries on. Returns how many were looked at.
   */
  async function run(): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      // Read before the transaction: a transaction never waits on the pool for another connection.
      const context = { services: await carriers.activeServices(), rules: await packing.current() };
      const claimed = await inTransaction(db, async (tx) => {
        const now = clock.now();
        const due = await tx.execute<{ id: string }>(sql`
          SELECT id FROM orders WHERE release_due_at <= ${now}
           ORDER BY release_due_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`);
        const states = await loadOrders(
          tx,
          due.rows.map((row) => row.id),
        );
        for (const state of states) {
          await releaseOrder(tx, state, context, now);
        }
        return states.length;
      });
      total += claimed;
      if (claimed < batchSize) {
        return total;
      }
    }
    return total;
  }

  return { run, ...nudged('release', run, log) };
}
