import { and, desc, eq, gte, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { channels, orders, returns } from '../../db/schema/index.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage, withStates } from '../../http/pagination.js';
import type { ReturnStatus } from './return-state.js';
import { findReturn, loadReturns, presentReturn } from './return-store.js';
import type { ReturnView } from './returns.schemas.js';

export interface ReturnListQuery {
  status?: ReturnStatus;
  order_id?: string;
  channel?: string;
  reason?: string;
  created_from?: string;
  limit: number;
  cursor?: string;
}

/** A return the caller may see. */
export const getReturn = async (db: Db, id: string, caller: Caller): Promise<ReturnView> =>
  presentReturn(await findReturn(db, id, caller));

/** The filters of a list: a channel-bound key sees only its channel's returns. */
function listFilters(query: ReturnListQuery, caller: Caller): SQL[] {
  const after = decodeCursor(query.cursor, ['string', 'string']);
  const filters: SQL[] = [];
  if (query.status) {
    filters.push(eq(returns.status, query.status));
  }
  if (query.order_id) {
    filters.push(eq(returns.orderId, query.order_id));
  }
  const channel = caller.channel ?? query.channel;
  if (channel) {
    filters.push(eq(channels.code, channel));
  }
  if (query.reason) {
    filters.push(
      sql`EXISTS (SELECT 1 FROM return_lines rl WHERE rl.return_id = ${returns.id} AND rl.reason::text = ${query.reason})`,
    );
  }
  if (query.created_from) {
    filters.push(gte(returns.createdAt, new Date(query.created_from)));
  }
  if (after) {
    filters.push(sql`(${returns.createdAt}, ${returns.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  }
  return filters;
}

/** Returns, newest first, a page at a time. */
export async function listReturns(db: Db, query: ReturnListQuery, caller: Caller): Promise<Page<ReturnView>> {
  const rows = await db
    .select({ id: returns.id, createdAt: returns.createdAt })
    .from(returns)
    .innerJoin(orders, eq(orders.id, returns.orderId))
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(and(...listFilters(query, caller)))
    .orderBy(desc(returns.createdAt), desc(returns.id))
    .limit(query.limit + 1);
  const found = await withStates(
    rows,
    (ids) => loadReturns(db, ids),
    (s) => s.ret.id,
  );
  return toPage(
    found,
    query.limit,
    (row) => [row.createdAt.toISOString(), row.id],
    (row) => presentReturn(row.state),
  );
}
