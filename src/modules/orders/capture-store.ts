import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { jsonRows } from '../../db/json-rows.js';
import { holds as holdsTable, orderLines, orders } from '../../db/schema/index.js';
import { type Plan, planReservations, reservationsInsert, reservedUpdate } from '../allocation/index.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import { type LevelDelta, lockLevels, type StockCheck, stockCheck } from '../inventory/index.js';
import type { RoutingSession, RoutingTrace, UsageWrite } from '../routing/index.js';
import { promiseNewBackorder } from './backorder-promise.js';
import type { CaptureDraft } from './capture-draft.js';
import type { Drawn } from './capture-read.js';
import { refusal } from './capture-refusals.js';
import type { HoldNeed } from './checks.js';
import { rollUpKits, stockDemand } from './kit-lines.js';
import { assertTransition, releaseDue, settledStatus } from './order-state.js';
import {
  type HoldRow,
  type LineRow,
  type OrderRow,
  quantitiesOf,
  type ReservedUnits,
} from './order-store.js';
import { presentHold, presentOrder } from './order-view.js';
import type { OrderView } from './orders.schemas.js';
import { queueOf } from './settle.js';

/**
 * The order's reservations as planned, with the lines' quantities, the holds it needs and the plan;
 * `deltas` and `short` are what the write checks the stock for.
 */
interface Reserved {
  lines: LineRow[];
  reservations: ReservedUnits[];
  needs: HoldNeed[];
  plan: Plan;
  deltas: Map<number, LevelDelta>;
  /** Some demand was left unfilled: the levels must not have gained units by the time of the write. */
  short: boolean;
  /** The INSERT of the reservations, when there are some. */
  insert?: SQL;
}

/** Plans the order's reservations on the levels drawn. A routing review or short stock reserves nothing and holds. */
function reserveLines(draft: CaptureDraft, routing: RoutingSession, drawn: Drawn): Reserved {
  const { channel } = draft;
  const lines: LineRow[] = draft.lines.map((line, i) => ({
    ...line,
    id: drawn.lineIds[i] ?? 0,
    orderId: drawn.orderId,
  }));
  const held = draft.needs.length > 0;
  const none = {
    lines,
    reservations: [],
    needs: [...draft.needs],
    plan: { allocations: [], unfilled: [] },
    deltas: new Map(),
    short: false,
  };
  if (draft.rejection) {
    return none;
  }
  const expiresAt = held ? new Date(draft.now.getTime() + channel.heldReservationMinutes * 60_000) : null;
  const result = planReservations(drawn.levels, {
    planner: routing.planner,
    channel,
    demand: stockDemand(lines),
    allowPartial: channel.allowBackorders,
    expiresAt,
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
    return { ...none, needs: [...none.needs, { kind: 'stock', reason, details: { short } }], short: true };
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
    plan: result.plan,
    deltas: result.deltas,
    short: result.unfilled.length > 0,
    ...(result.plan.allocations.length > 0
      ? {
          // A repeat of the order inserts no order row, hence no lines for the reservations to point to.
          insert: reservationsInsert(result.plan, channel.id, expiresAt, sql`EXISTS (SELECT 1 FROM o)`),
        }
      : {}),
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

// The rows capture writes, each table's as one JSON parameter.
const orderRows = jsonRows(orders);
const lineRows = jsonRows(orderLines);
const holdRows = jsonRows(holdsTable);

/**
 * The write: the order with its final status, its lines, holds, the locations' usage and the
 * collected writes, with the stock check (`stockCheck`) that locks the levels. A copy that committed
 * first makes the order insert (and everything keyed on it) a no-op; a location filled by a concurrent
 * order counts fewer usage rows than planned; stock that moved fails the check. Each makes the
 * statement fail (RepeatedOrder, CapacityTaken, StockMoved), so that a COMMIT sent right behind it,
 * before its answer, rolls the transaction back. The order row comes first and the levels' locks
 * after it, so that a copy waiting on the order's unique key holds no level meanwhile (a backorder
 * locked them earlier: its copies may deadlock once, and the one PostgreSQL picks is tried again).
 */
function insertCapture(
  tx: Executor,
  row: { order: OrderRow; lines: LineRow[]; holds: HoldRow[] },
  usage: UsageWrite | undefined,
  stock: StockCheck,
  writes: Array<SQL | undefined>,
): Promise<unknown> {
  const { order, lines, holds } = row;
  const inserted = tx.execute(sql`
    WITH o AS (
      INSERT INTO orders (${orderRows.list})
      SELECT ${orderRows.list} FROM ${orderRows.from([order])}
      ON CONFLICT (channel_id, external_id) DO NOTHING
      RETURNING id),
    lines AS (
      INSERT INTO order_lines (${lineRows.list}) OVERRIDING SYSTEM VALUE
      SELECT ${lineRows.list} FROM ${lineRows.from(lines)} WHERE EXISTS (SELECT 1 FROM o)),
    holds AS (
      INSERT INTO holds (${holdRows.list}) OVERRIDING SYSTEM VALUE
      SELECT ${holdRows.list} FROM ${holdRows.from(holds)} WHERE EXISTS (SELECT 1 FROM o)),
    usage AS (${usage?.sql ?? sql`SELECT NULL::bigint AS location_id WHERE false`}),
    ${stock.ctes}
    ${sql.join(
      writes
        .filter((part): part is SQL => part !== undefined)
        .map((part, i) => sql`, ${sql.raw(`write_${i}`)} AS (${part})`),
      sql``,
    )}
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM o) THEN ordo_refuse('OR001')
                WHEN NOT (SELECT ok FROM stock_ok) THEN ordo_refuse('OR003')
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
   * Settles with the write's answer: the caller commits without waiting for it (the COMMIT follows it
   * on the wire, and rolls back when it failed), then awaits it for the outcome. Rejects with
   * RepeatedOrder, CapacityTaken or StockMoved when the order must not be written. Never an unhandled
   * rejection.
   */
  written: Promise<unknown>;
}

/**
 * Writes a new order, planned on the levels `drawn` (`drawCapture`), in one statement inside the
 * caller's transaction: the order with its final status, its lines, holds and reservations, `reserved`
 * raised and the events appended (with `moreEvents` of the order), under the stock check. No row is
 * written twice. A concurrent copy of the order that commits first makes it fail with RepeatedOrder;
 * stock that moved since it was drawn, with StockMoved; either way the transaction rolls back.
 */
export async function writeCapture(
  tx: Executor,
  draft: CaptureDraft,
  routing: RoutingSession,
  drawn: Drawn,
  moreEvents: (order: OrderView) => NewEvent[] = () => [],
): Promise<CaptureWrite> {
  const { channel, now } = draft;
  const reserved = reserveLines(draft, routing, drawn);
  const holds = reserved.needs.map((need, i) => openHold(need, drawn.holdIds[i] ?? 0, drawn.orderId, now));
  const status = draft.rejection
    ? 'cancelled'
    : settledStatus(reserved.lines.map(quantitiesOf), holds.length);
  assertTransition(draft.rejection ? 'received' : 'validated', status);
  const trace = routing.decision()?.trace;
  const planned = reserved.plan.allocations.length > 0;
  if (status === 'backordered' && !drawn.locked) {
    // Backorders queue for incoming units: the levels' locks keep two of them from taking the same ones.
    await lockLevels(tx, drawn.productIds);
  }
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
  const stock = stockCheck(drawn.levels, drawn.productIds, channel.id, reserved.deltas, reserved.short);
  const events = [
    ...captureEvents(order, snapshot, holds, planned ? trace : undefined),
    ...moreEvents(snapshot),
  ];
  const written = insertCapture(
    tx,
    { order, lines: reserved.lines, holds },
    routing.usageWrite(reserved.plan),
    stock,
    [
      reservedUpdate(reserved.deltas, sql`(SELECT ok FROM stock_ok)`),
      reserved.insert,
      backorder?.insert,
      eventsInsert(events, stock.events),
    ],
  );
  // Marked handled now: the caller awaits it only once its COMMIT is answered.
  written.catch(() => {});
  return { order: snapshot, written };
}
