import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import { channels, holds, orders } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { findOrder } from './order-store.js';
import { presentHold } from './order-view.js';
import type { Hold } from './orders.schemas.js';

export interface HoldListQuery {
  limit: number;
  cursor?: string;
  queue?: string;
  kind?: string;
  status?: 'open' | 'released' | 'cancelled';
  assignee?: string;
  older_than_minutes?: number;
}

/** The hold and its order, locked; a hold on another channel's order does not exist for a bound key. */
export async function lockedHold(tx: Executor, id: number, caller: Caller) {
  const [row] = await tx.select({ orderId: holds.orderId }).from(holds).where(eq(holds.id, id));
  const state = row ? await findOrder(tx, row.orderId, caller, true).catch(() => undefined) : undefined;
  const hold = state?.holds.find((h) => h.id === id);
  if (!state || !hold) {
    throw notFound(`Hold ${id}`);
  }
  return { state, hold };
}

/** An exception queue: holds by queue, kind, status, assignee and age, oldest first. */
export async function listHolds(
  deps: { db: Db; clock: Clock },
  query: HoldListQuery,
  caller: Caller,
): Promise<Page<Hold>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await deps.db
    .select({
      hold: holds,
      order: { id: orders.id, number: orders.number, status: orders.status },
      channel: channels.code,
    })
    .from(holds)
    .innerJoin(orders, eq(orders.id, holds.orderId))
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(
      and(
        caller.channel === null ? undefined : eq(channels.code, caller.channel),
        query.queue === undefined ? undefined : eq(holds.queue, query.queue),
        query.kind === undefined ? undefined : sql`${holds.kind}::text = ${query.kind}`,
        query.status === undefined ? undefined : eq(holds.status, query.status),
        query.assignee === undefined ? undefined : eq(holds.assignee, query.assignee),
        query.older_than_minutes === undefined
          ? undefined
          : lte(holds.createdAt, new Date(deps.clock.now().getTime() - query.older_than_minutes * 60_000)),
        after ? gt(holds.id, Number(after[0])) : undefined,
      ),
    )
    .orderBy(asc(holds.id))
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => [row.hold.id],
    (row) => ({
      ...presentHold(row.hold),
      order: { id: row.order.id, number: row.order.number, channel: row.channel, status: row.order.status },
    }),
  );
}

/** Gives an open hold to a person (or to nobody). */
export const assignHold = (db: Db, id: number, assignee: string | null, caller: Caller): Promise<Hold> =>
  inTransaction(db, async (tx) => {
    const { state, hold } = await lockedHold(tx, id, caller);
    if (hold.status !== 'open') {
      throw new AppError('conflict', `Hold ${id} is ${hold.status}; only open holds can be assigned`);
    }
    const [updated] = await tx.update(holds).set({ assignee }).where(eq(holds.id, id)).returning();
    return {
      ...presentHold(updated ?? hold),
      order: {
        id: state.order.id,
        number: state.order.number,
        channel: state.channel,
        status: state.order.status,
      },
    };
  });
