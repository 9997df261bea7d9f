import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { orders } from '../../db/schema/index.js';
import type { Plan } from '../allocation/index.js';
import { reserve } from '../allocation/index.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import { type Sellable, sellableSelect, toSellableRows } from '../inventory/index.js';
import type { RoutingSession } from '../routing/routing.service.js';
import type { ChannelPolicy } from './allocate.js';
import type { HoldNeed } from './checks.js';
import { assertTransition, releaseDue, settledStatus } from './order-state.js';
import {
  type HoldRow,
  type LineRow,
  type OrderRow,
  presentHold,
  presentOrder,
  quantitiesOf,
} from './order-store.js';
import type { OrderView } from './orders.schemas.js';
import { queueOf } from './settle.js';

/** A validated order, ready to be written: everything but what the database assigns. */
export interface CaptureDraft {
  channel: ChannelPolicy;
  order: Omit<OrderRow, 'id' | 'number' | 'status' | 'createdAt' | 'updatedAt'>;
  lines: Array<Omit<LineRow, 'id' | 'orderId'>>;
  /** Holds the checks call for (address, payment, fraud review); stock is decided here. */
  needs: HoldNeed[];
  /** Set when fraud rules reject the order: it is recorded cancelled and reserves nothing. */
  rejection?: string;
  now: Date;
  /** When an allocated order is released, if not after the channel's edit window (an exchange waits). */
  releaseAt?: Date;
}

/** The (channel, external_id) already has an order: the caller returns that one. */
export class RepeatedOrder extends Error {}

/** A concurrent order took a location's last room for the day: capture runs again and routes elsewhere. */
export class CapacityTaken extends Error {}

/**
 * Writes a new order in two statements inside the caller's transaction. The first locks the
 * levels of the order's products, checks for an earlier order with the same external id and draws
 * the ids; the plan is made in between; the second inserts the order with its final status, its
 * lines, holds and reservations, raises `reserved` and appends the events. No row is written twice.
 * A concurrent copy of the order that commits first makes the insert a no-op: RepeatedOrder is
 * thrown so the transaction rolls back.
 */
export async function writeCapture(
  tx: Executor,
  draft: CaptureDraft,
  routing: RoutingSession,
): Promise<OrderView> {
  const { channel, now } = draft;
  const productIds = draft.rejection ? [] : [...new Set(draft.lines.map((line) => line.productId))];
  const holdSlots = draft.needs.length + (channel.allowBackorders ? 0 : 1);
  const first = await tx.execute<{
    existing: string | null;
    order_id: string;
    number: string;
    line_ids: string[];
    hold_ids: string[];
    levels: Sellable | null;
  }>(sql`
    WITH locked AS (${sellableSelect(productIds)})
    SELECT (SELECT id FROM orders WHERE channel_id = ${channel.id} AND external_id = ${draft.order.externalId}) AS existing,
           gen_random_uuid() AS order_id,
           nextval('order_number_seq') AS number,
           ARRAY(SELECT nextval('order_lines_id_seq') FROM generate_series(1, ${draft.lines.length})) AS line_ids,
           ARRAY(SELECT nextval('holds_id_seq') FROM generate_series(1, ${holdSlots})) AS hold_ids,
           (SELECT sellable FROM locked) AS levels`);
  const drawn = first.rows[0];
  if (!drawn || drawn.existing) {
    throw new RepeatedOrder();
  }

  const lineIds = drawn.line_ids.map(Number);
  let lines: LineRow[] = draft.lines.map((line, i) => ({
    ...line,
    id: lineIds[i] ?? 0,
    orderId: drawn.order_id,
  }));
  const needs = [...draft.needs];
  const events: NewEvent[] = [];
  const writes: SQL[] = [];
  const held = needs.length > 0;
  const expiresAt = held ? new Date(now.getTime() + channel.heldReservationMinutes * 60_000) : null;
  let reservations: Array<{ lineId: number; location: string; quantity: number }> = [];

  let plan: Plan = { allocations: [], unfilled: [] };
  if (!draft.rejection) {
    const result = await reserve(tx, {
      planner: routing.planner,
      channel,
      demand: lines.map((line) => ({
        key: line.id,
        productId: line.productId,
        quantity: line.quantity,
      })),
      allowPartial: channel.allowBackorders,
      expiresAt,
      locked: toSellableRows(drawn.levels ?? undefined),
      events,
      writes,
      // A repeat of the order inserts no order row, hence no lines for the reservations to point to.
      onlyIf: sql`EXISTS (SELECT 1 FROM o)`,
    });
    const review = routing.decision()?.review;
    if (review) {
      // The rules' choice costs too much more than the cheapest plan: a person decides, nothing is reserved.
      needs.push({ kind: 'routing_review', reason: review.reason, details: { ...review } });
    } else if (result.ok) {
      plan = {
        allocations: result.reservations.map((r) => ({
          key: r.orderLineId,
          productId: r.productId,
          locationId: r.locationId,
          quantity: r.quantity,
        })),
        unfilled: result.unfilled,
      };
      const reserved = new Map<number, number>();
      for (const r of result.reservations) {
        reserved.set(r.orderLineId, (reserved.get(r.orderLineId) ?? 0) + r.quantity);
        reservations.push({
          lineId: r.orderLineId,
          location: r.locationCode,
          quantity: r.quantity,
        });
      }
      lines = lines.map((line) => {
        const allocated = reserved.get(line.id) ?? 0;
        return {
          ...line,
          quantityAllocated: allocated,
          quantityBackordered: channel.allowBackorders ? line.quantity - allocated : 0,
        };
      });
    } else {
      const skuOf = new Map(lines.map((line) => [line.id, line.sku]));
      const short = result.shortages.map((s) => ({ sku: skuOf.get(s.key) ?? '', missing: s.quantity }));
      needs.push({
        kind: 'stock',
        reason: `not enough stock for ${short.map((s) => `${s.missing} × ${s.sku}`).join(', ')}`,
        details: { short },
      });
      reservations = [];
    }
  }

  const holdIds = drawn.hold_ids.map(Number);
  const holds: HoldRow[] = needs.map((need, i) => ({
    id: holdIds[i] ?? 0,
    orderId: drawn.order_id,
    kind: need.kind,
    queue: queueOf[need.kind],
    status: 'open',
    reason: need.reason,
    details: need.details,
    assignee: null,
    note: null,
    createdAt: now,
    resolvedAt: null,
    resolvedBy: null,
  }));
  const status = draft.rejection ? 'cancelled' : settledStatus(lines.map(quantitiesOf), holds.length);
  assertTransition(draft.rejection ? 'received' : 'validated', status);
  const trace = routing.decision()?.trace;
  const order: OrderRow = {
    ...draft.order,
    id: drawn.order_id,
    number: Number(drawn.number),
    status,
    cancelReason: draft.rejection ?? null,
    releaseDueAt: status === 'allocated' ? (draft.releaseAt ?? releaseDue(now, channel)) : null,
    destination: routing.place ?? null,
    routing: trace ? { ...trace } : null,
    promisedDeliveryDate: plan.allocations.length > 0 ? routing.promisedDeliveryDate(plan) : null,
    createdAt: now,
    updatedAt: now,
  };
  const usage = routing.usageWrite(plan);
  const snapshot = presentOrder({ order, channel: channel.code, lines, reservations, holds });

  const orderEvent = (type: string, data: Record<string, unknown> = {}): NewEvent => ({
    type,
    resourceType: 'order',
    resourceId: order.id,
    channel: channel.code,
    data: { ...data, order: snapshot },
  });
  events.push(orderEvent('order.created'));
  if (trace && plan.allocations.length > 0) {
    // A summary of the decision; the whole trace is on the order (GET /v1/orders/{id}/routing).
    events.push({
      type: 'order.routed',
      resourceType: 'order',
      resourceId: order.id,
      channel: channel.code,
      data: {
        order_id: order.id,
        number: order.number,
        routing: {
          rule_set: trace.rule_set,
          rule: trace.rule,
          locations: trace.chosen?.locations ?? [],
          shipments: trace.chosen?.shipments ?? 0,
          cost: trace.chosen?.cost ?? null,
          why: trace.why,
        },
        promised_delivery_date: order.promisedDeliveryDate,
      },
    });
  }
  events.push(...holds.map((hold) => orderEvent('order.held', { hold: presentHold(hold) })));
  if (status === 'allocated' || status === 'backordered') {
    events.push(orderEvent(`order.${status}`));
  } else if (status === 'cancelled') {
    events.push(orderEvent('order.cancelled', { reason: 'fraud' }));
  }

  const inserted = await tx.execute<{ inserted: number; counted: number }>(sql`
    WITH o AS (${tx
      .insert(orders)
      .values(order)
      .onConflictDoNothing({ target: [orders.channelId, orders.externalId] })
      .returning({ id: orders.id })
      .getSQL()}),
    lines AS (
      INSERT INTO order_lines (id, order_id, line_number, product_id, sku, quantity, unit_price, tax_amount,
                               quantity_allocated, quantity_backordered, quantity_cancelled)
      OVERRIDING SYSTEM VALUE
      SELECT u.id, o.id, u.n, u.p, u.sku, u.q, u.price, u.tax, u.a, u.b, u.c
        FROM o, unnest(${sql.param(lines.map((l) => l.id))}::bigint[], ${sql.param(lines.map((l) => l.lineNumber))}::int[],
                       ${sql.param(lines.map((l) => l.productId))}::bigint[], ${sql.param(lines.map((l) => l.sku))}::text[],
                       ${sql.param(lines.map((l) => l.quantity))}::int[], ${sql.param(lines.map((l) => l.unitPrice))}::bigint[],
                       ${sql.param(lines.map((l) => l.taxAmount))}::bigint[], ${sql.param(lines.map((l) => l.quantityAllocated))}::int[],
                       ${sql.param(lines.map((l) => l.quantityBackordered))}::int[],
                       ${sql.param(lines.map((l) => l.quantityCancelled))}::int[]) AS u(id, n, p, sku, q, price, tax, a, b, c)),
    holds AS (
      INSERT INTO holds (id, order_id, kind, queue, reason, details, created_at)
      OVERRIDING SYSTEM VALUE
      SELECT u.id, o.id, u.kind, u.queue, u.reason, u.details, ${now}
        FROM o, unnest(${sql.param(holds.map((h) => h.id))}::bigint[], ${sql.param(holds.map((h) => h.kind))}::hold_kind[],
                       ${sql.param(holds.map((h) => h.queue))}::text[], ${sql.param(holds.map((h) => h.reason))}::text[],
                       ${sql.param(holds.map((h) => JSON.stringify(h.details)))}::jsonb[]) AS u(id, kind, queue, reason, details)),
    usage AS (${usage?.sql ?? sql`SELECT NULL::bigint AS location_id WHERE false`})
    ${sql.join(
      [...writes, eventsInsert(events)]
        .filter((part): part is SQL => part !== undefined)
        .map((part, i) => sql`, ${sql.raw(`write_${i}`)} AS (${part})`),
      sql``,
    )}
    SELECT (SELECT count(*)::int FROM o) AS inserted, (SELECT count(*)::int FROM usage) AS counted`);
  if (inserted.rows[0]?.inserted !== 1) {
    throw new RepeatedOrder();
  }
  if ((inserted.rows[0]?.counted ?? 0) < (usage?.locations ?? 0)) {
    throw new CapacityTaken();
  }
  return snapshot;
}
