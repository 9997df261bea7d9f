import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { channels, holds, orderLines, orders } from '../../db/schema/index.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { OrderStatus } from './order-state.js';
import { findOrder, loadOrders, type OrderState } from './order-store.js';
import { presentOrder } from './order-view.js';
import type { OrderView } from './orders.schemas.js';

export interface OrderListQuery {
  limit: number;
  cursor?: string;
  status?: OrderStatus;
  channel?: string;
  sku?: string;
  customer_email?: string;
  external_id?: string;
  placed_from?: string;
  placed_to?: string;
  hold_kind?: string;
}

export async function getOrder(db: Db, idOrNumber: string, caller: Caller): Promise<OrderView> {
  return presentOrder(await findOrder(db, idOrNumber, caller));
}

/** Orders newest first, by the query's filters; a channel-bound key sees only its channel's. */
export async function listOrders(db: Db, query: OrderListQuery, caller: Caller): Promise<Page<OrderView>> {
  const after = decodeCursor(query.cursor, ['number']);
  if (caller.channel !== null && query.channel !== undefined && query.channel !== caller.channel) {
    return { data: [], next_cursor: null };
  }
  const channel = caller.channel ?? query.channel;
  const rows = await db
    .select({ id: orders.id, number: orders.number })
    .from(orders)
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(
      and(
        channel === undefined ? undefined : eq(channels.code, channel),
        query.status === undefined ? undefined : eq(orders.status, query.status),
        query.customer_email === undefined
          ? undefined
          : eq(orders.customerEmail, query.customer_email.toLowerCase()),
        query.external_id === undefined ? undefined : eq(orders.externalId, query.external_id),
        query.placed_from === undefined ? undefined : gte(orders.placedAt, new Date(query.placed_from)),
        query.placed_to === undefined ? undefined : lt(orders.placedAt, new Date(query.placed_to)),
        query.sku === undefined
          ? undefined
          : sql`EXISTS (SELECT 1 FROM ${orderLines} WHERE ${orderLines.orderId} = ${orders.id} AND ${orderLines.sku} = ${query.sku})`,
        query.hold_kind === undefined
          ? undefined
          : sql`EXISTS (SELECT 1 FROM ${holds} WHERE ${holds.orderId} = ${orders.id} AND ${holds.status} = 'open'
                          AND ${holds.kind}::text = ${query.hold_kind})`,
        after ? lt(orders.number, Number(after[0])) : undefined,
      ),
    )
    .orderBy(desc(orders.number))
    .limit(query.limit + 1);
  const states = new Map(
    (
      await loadOrders(
        db,
        rows.map((row) => row.id),
      )
    ).map((state) => [state.order.id, state]),
  );
  return toPage(
    rows.filter((row) => states.has(row.id)),
    query.limit,
    (row) => [row.number],
    (row) => presentOrder(states.get(row.id) as OrderState),
  );
}

/** The routing decision recorded on the order: destination, promised date and the trace. */
export async function routingOf(db: Db, idOrNumber: string, caller: Caller) {
  const { order } = await findOrder(db, idOrNumber, caller);
  return {
    order_id: order.id,
    destination: order.destination,
    promised_delivery_date: order.promisedDeliveryDate,
    routing: order.routing,
  };
}
