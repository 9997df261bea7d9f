import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { sqlState } from '../../db/pg-errors.js';
import { orders } from '../../db/schema/index.js';
import { type Plan, reserve } from '../allocation/index.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import { type Sellable, sellableSelect, toSellableRows } from '../inventory/index.js';
import type { RoutingSession, RoutingTrace, UsageWrite } from '../routing/index.js';
import { promiseNewBackorder } from './backorder-promise.js';
import type { HoldNeed } from './checks.js';
import { rollUpKits, stockDemand } from './kit-lines.js';
import { assertTransition, releaseDue, settledStatus } from './order-state.js';
import {
  type ChannelPolicy,
  type HoldRow,
  type LineRow,
  type OrderRow,
  quantitiesOf,
  type ReservedUnits,
} from './order-store.js';
import { presentHold, presentOrder } from './order-view.js';
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
  /** An order on an account's terms: its credit is checked under the account's lock before stock's. */
  creditAccountId?: string;
}

/** The (channel, external_id) already has an order: the caller returns that one. */
export class RepeatedOrder extends Error {}

/** A concurrent order took a location's last room for the day: capture runs again and routes elsewhere. */
export class CapacityTaken extends Error {}

/** What the first statement draws: the ids of every row to write, and the locked levels. */
interface Drawn {
  orderId: string;
  number: number;
  lineIds: number[];
  holdIds: number[];
  levels: Sellable | undefined;
}

/** Locks the levels of the order's products, checks for an earlier copy and draws the ids. */
async function draw(tx: Executor, draft: CaptureDraft): Promise<Drawn> {
  const productIds = draft.rejection ? [] : [...new Set(draft.lines.map((line) => line.productId))];
  const holdSlots = draft.needs.length + (draft.channel.allowBackorders ? 0 : 1);
  const first = await tx.execute<{
    existing: string | null;
    order_id: string;
    number: string;
    line_ids: string[];
    hold_ids: string[];
    levels: Sellable | null;
  }>(sql`
    WITH locked AS (${sellableSelect(productIds)})
    SELECT (SELECT id FROM orders WHERE channel_id = ${draft.channel.id} AND external_id = ${draft.order.externalId}) AS existing,
           gen_random_uuid() AS order_id,
           nextval('order_number_seq') AS number,
           ARRAY(SELECT nextval('order_lines_id_seq') FROM generate_series(1, ${draft.lines.length})) AS line_ids,
           ARRAY(SELECT nextval('holds_id_seq') FROM generate_series(1, ${holdSlots})) AS hold_ids,
           (SELECT sellable FROM locked) AS levels`);
  const drawn = first.rows[0];
  if (!drawn || drawn.existing) {
    throw new RepeatedOrder();
  }
  return {
    orderId: drawn.order_id,
    number: Number(drawn.number),
    lineIds: drawn.line_ids.map(Number),
    holdIds: drawn.hold_ids.map(Number),
    levels: drawn.levels ?? undefined,
  };
}

/** The order's reservations as planned, with the lines' quantities, the holds it needs and the plan. */
interface Reserved {
  lines: LineRow[];
  reservations: ReservedUnits[];
  needs: HoldNeed[];
  plan: Plan;
}

/**
 * Plans the order's reservations on the locked levels; their writes and availability events are
 * collected for the second statement. A routing review or short stock reserves nothing and holds.
 */
async function reserveLines(
  tx: Executor,
  draft: CaptureDraft,
  routing: RoutingSession,
  drawn: Drawn,
  collect: { events: NewEvent[]; writes: SQL[] },
): Promise<Reserved> {
  const { channel } = draft;
  const lines: LineRow[] = draft.lines.map((line, i) => ({
    ...line,
    id: drawn.lineIds[i] ?? 0,
    orderId: drawn.orderId,
  }));
  const held = draft.needs.length > 0;
  const none = { lines, reservations: [], needs: [...draft.needs], plan: { allocations: [], unfilled: [] } };
  if (draft.rejection) {
    return none;
  }
  const result = await reserve(tx, {
    planner: routing.planner,
    channel,
    demand: stockDemand(lines),
    allowPartial: channel.allowBackorders,
    expiresAt: held ? new Date(draft.now.getTime() + channel.heldReservationMinutes * 60_000) : null,
    locked: toSellableRows(drawn.levels),
    ...collect,
    // A repeat of the order inserts no order row, hence no lines for the reservations to point to.
    onlyIf: sql`EXISTS (SELECT 1 FROM o)`,
  });
  const review = routing.decision()?.review;
  if (review) {
    // The rules' choice costs too much more than the cheapest plan: a person decides, nothing is reserved.
    return {
      ...none,
      needs: [...none.needs, { kind: 'routing_review', reason: review.reason, details: { ...review } }],
    };
  }
  if (!result.ok) {
    const skuOf = new Map(lines.map((line) => [line.id, line.sku]));
    const short = result.shortages.map((s) => ({ sku: skuOf.get(s.key) ?? '', missing: s.quantity }));
    const reason = `not enough stock for ${short.map((s) => `${s.missing} × ${s.sku}`).join(', ')}`;
    return { ...none, needs: [...none.needs, { kind: 'stock', reason, details: { short } }] };
  }
  const reserved = new Map<number, number>();
  for (const r of result.reservations) {
    reserved.set(r.orderLineId, (reserved.get(r.orderLineId) ?? 0) + r.quantity);
  }
  return {
    lines: rollUpKits(
      lines.map((line) => {
        const allocated = reserved.get(line.id) ?? 0;
        return {
          ...line,
          quantityAllocated: allocated,
          quantityBackordered: channel.allowBackorders ? line.quantity - allocated : 0,
        };
      }),
    ),
    reservations: result.reservations.map((r) => ({
      lineId: r.orderLineId,
      location: r.locationCode,
      quantity: r.quantity,
    })),
    needs: none.needs,
    plan: {
      allocations: result.reservations.map((r) => ({
        key: r.orderLineId,
        productId: r.productId,
        locationId: r.locationId,
        quantity: r.quantity,
      })),
      unfilled: result.unfilled,
    },
  };
}

/** order.created, order.routed (a summary; the trace is on the order), the holds and the status news. */
function captureEvents(
  order: OrderRow,
  snapshot: OrderView,
  holds: HoldRow[],
  trace: RoutingTrace | undefined,
): NewEvent[] {
  const event = (type: string, data: Record<string, unknown>): NewEvent => ({
    type,
    resourceType: 'order',
    resourceId: order.id,
    channel: snapshot.channel,
    data,
  });
  const withOrder = (type: string, data: Record<string, unknown> = {}) =>
    event(type, { ...data, order: snapshot });
  const events = [withOrder('order.created')];
  if (trace) {
    events.push(
      event('order.routed', {
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
      }),
    );
  }
  events.push(...holds.map((hold) => withOrder('order.held', { hold: presentHold(hold) })));
  if (order.status === 'allocated' || order.status === 'backordered') {
    events.push(withOrder(`order.${order.status}`));
  } else if (order.status === 'cancelled') {
    events.push(withOrder('order.cancelled', { reason: 'fraud' }));
  }
  return events;
}

/** What the second statement's refusal (`ordo_refuse`, migration 0025) means. */
function refusal(err: unknown): unknown {
  const state = sqlState(err);
  return state === 'OR001' ? new RepeatedOrder() : state === 'OR002' ? new CapacityTaken() : err;
}

/**
 * The second statement: the order with its final status, its lines, holds, the locations' usage and
 * the collected writes. A copy that committed first makes the order insert (and everything keyed on
 * it) a no-op; a location filled by a concurrent order counts fewer usage rows than planned. Either
 * makes the statement fail (RepeatedOrder, CapacityTaken), so that a COMMIT sent right behind it,
 * before its answer, rolls the transaction back.
 */
function insertCapture(
  tx: Executor,
  row: { order: OrderRow; lines: LineRow[]; holds: HoldRow[]; now: Date },
  usage: UsageWrite | undefined,
  writes: Array<SQL | undefined>,
): Promise<unknown> {
  const { order, lines, holds, now } = row;
  const inserted = tx.execute(sql`
    WITH o AS (${tx
      .insert(orders)
      .values(order)
      .onConflictDoNothing({ target: [orders.channelId, orders.externalId] })
      .returning({ id: orders.id })
      .getSQL()}),
    lines AS (
      INSERT INTO order_lines (id, order_id, line_number, product_id, sku, quantity, unit_price, tax_amount,
                               quantity_allocated, quantity_backordered, quantity_cancelled,
                               kit_split, kit_line_number, units_per_kit)
      OVERRIDING SYSTEM VALUE
      SELECT u.id, o.id, u.n, u.p, u.sku, u.q, u.price, u.tax, u.a, u.b, u.c, u.ks, u.kl, u.kp
        FROM o, unnest(${sql.param(lines.map((l) => l.id))}::bigint[], ${sql.param(lines.map((l) => l.lineNumber))}::int[],
                       ${sql.param(lines.map((l) => l.productId))}::bigint[], ${sql.param(lines.map((l) => l.sku))}::text[],
                       ${sql.param(lines.map((l) => l.quantity))}::int[], ${sql.param(lines.map((l) => l.unitPrice))}::bigint[],
                       ${sql.param(lines.map((l) => l.taxAmount))}::bigint[], ${sql.param(lines.map((l) => l.quantityAllocated))}::int[],
                       ${sql.param(lines.map((l) => l.quantityBackordered))}::int[],
                       ${sql.param(lines.map((l) => l.quantityCancelled))}::int[],
                       ${sql.param(lines.map((l) => l.kitSplit))}::boolean[], ${sql.param(lines.map((l) => l.kitLineNumber))}::int[],
                       ${sql.param(lines.map((l) => l.unitsPerKit))}::int[])
                       AS u(id, n, p, sku, q, price, tax, a, b, c, ks, kl, kp)),
    holds AS (
      INSERT INTO holds (id, order_id, kind, queue, reason, details, created_at)
      OVERRIDING SYSTEM VALUE
      SELECT u.id, o.id, u.kind, u.queue, u.reason, u.details, ${now}
        FROM o, unnest(${sql.param(holds.map((h) => h.id))}::bigint[], ${sql.param(holds.map((h) => h.kind))}::hold_kind[],
                       ${sql.param(holds.map((h) => h.queue))}::text[], ${sql.param(holds.map((h) => h.reason))}::text[],
                       ${sql.param(holds.map((h) => JSON.stringify(h.details)))}::jsonb[]) AS u(id, kind, queue, reason, details)),
    usage AS (${usage?.sql ?? sql`SELECT NULL::bigint AS location_id WHERE false`})
    ${sql.join(
      writes
        .filter((part): part is SQL => part !== undefined)
        .map((part, i) => sql`, ${sql.raw(`write_${i}`)} AS (${part})`),
      sql``,
    )}
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM o) THEN ordo_refuse('OR001')
                WHEN (SELECT count(*) FROM usage) < ${usage?.locations ?? 0} THEN ordo_refuse('OR002')
                ELSE true END AS written`);
  return inserted.catch((err: unknown) => {
    throw refusal(err);
  });
}

const openHold = (need: HoldNeed, id: number, orderId: string, now: Date): HoldRow => ({
  id,
  orderId,
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
});

/** A captured order as it will read once committed, and the write of it under way. */
export interface CaptureWrite {
  order: OrderView;
  /**
   * Settles with the second statement's answer: the caller commits without waiting for it (the COMMIT
   * follows it on the wire, and rolls back when it failed), then awaits it for the outcome. Rejects with
   * RepeatedOrder or CapacityTaken when the order must not be written. Never an unhandled rejection.
   */
  written: Promise<unknown>;
}

/**
 * Writes a new order in two statements inside the caller's transaction. The first locks the levels of
 * the order's products, checks for an earlier order with the same external id and draws the ids; the
 * plan is made in between; the second inserts the order with its final status, its lines, holds and
 * reservations, raises `reserved` and appends the events (with `moreEvents` of the order). No row is
 * written twice. A concurrent copy of the order that commits first makes the insert fail with
 * RepeatedOrder, so the transaction rolls back.
 */
export async function writeCapture(
  tx: Executor,
  draft: CaptureDraft,
  routing: RoutingSession,
  moreEvents: (order: OrderView) => NewEvent[] = () => [],
): Promise<CaptureWrite> {
  const { channel, now } = draft;
  const drawn = await draw(tx, draft);
  const events: NewEvent[] = [];
  const writes: SQL[] = [];
  const reserved = await reserveLines(tx, draft, routing, drawn, { events, writes });
  const holds = reserved.needs.map((need, i) => openHold(need, drawn.holdIds[i] ?? 0, drawn.orderId, now));
  const status = draft.rejection
    ? 'cancelled'
    : settledStatus(reserved.lines.map(quantitiesOf), holds.length);
  assertTransition(draft.rejection ? 'received' : 'validated', status);
  const trace = routing.decision()?.trace;
  const planned = reserved.plan.allocations.length > 0;
  // An order that waits is promised from incoming stock: one more query, only then.
  const backorder =
    status === 'backordered'
      ? await promiseNewBackorder(tx, {
          channelId: channel.id,
          place: { priority: draft.order.priority, placedAt: draft.order.placedAt, number: drawn.number },
          lines: reserved.lines,
          routing,
          now,
          onlyIf: sql`EXISTS (SELECT 1 FROM o)`,
        })
      : undefined;
  const order: OrderRow = {
    ...draft.order,
    id: drawn.orderId,
    number: drawn.number,
    status,
    cancelReason: draft.rejection ?? null,
    releaseDueAt: status === 'allocated' ? (draft.releaseAt ?? releaseDue(now, channel)) : null,
    destination: routing.place ?? null,
    routing: trace ? { ...trace } : null,
    promisedDeliveryDate: backorder
      ? backorder.date
      : planned
        ? routing.promisedDeliveryDate(reserved.plan)
        : null,
    createdAt: now,
    updatedAt: now,
  };
  const snapshot = presentOrder({
    order,
    channel: channel.code,
    lines: reserved.lines,
    reservations: reserved.reservations,
    holds,
    incoming: backorder?.incoming ?? [],
  });
  events.push(...captureEvents(order, snapshot, holds, planned ? trace : undefined), ...moreEvents(snapshot));
  const written = insertCapture(
    tx,
    { order, lines: reserved.lines, holds, now },
    routing.usageWrite(reserved.plan),
    [...writes, backorder?.insert, eventsInsert(events)],
  );
  // Marked handled now: the caller awaits it only once its COMMIT is answered.
  written.catch(() => {});
  return { order: snapshot, written };
}
