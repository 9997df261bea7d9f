import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { channels, holds, orders } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { allocateLines } from './allocate.js';
import { addressHold, type HoldNeed, paymentHold } from './checks.js';
import { presentHold, presentOrder } from './order-store.js';
import type { Hold, OrderView } from './orders.schemas.js';
import type { OrderService } from './orders.service.js';
import { settle } from './settle.js';

export type HoldService = ReturnType<typeof createHoldService>;

export function createHoldService({
  db,
  clock,
  orders: orderService,
}: {
  db: Db;
  clock: Clock;
  orders: OrderService;
}) {
  /** The hold and its order, locked; a hold on another channel's order does not exist for a bound key. */
  async function lockedHold(tx: Parameters<Parameters<Db['transaction']>[0]>[0], id: number, caller: Caller) {
    const [row] = await tx.select({ orderId: holds.orderId }).from(holds).where(eq(holds.id, id));
    const state = row
      ? await orderService.find(tx, row.orderId, caller, true).catch(() => undefined)
      : undefined;
    const hold = state?.holds.find((h) => h.id === id);
    if (!state || !hold) {
      throw notFound(`Hold ${id}`);
    }
    return { state, hold };
  }

  return {
    async list(
      query: {
        limit: number;
        cursor?: string;
        queue?: string;
        kind?: string;
        status?: 'open' | 'released' | 'cancelled';
        assignee?: string;
        older_than_minutes?: number;
      },
      caller: Caller,
    ): Promise<Page<Hold>> {
      const after = decodeCursor(query.cursor, ['number']);
      const rows = await db
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
              : lte(holds.createdAt, new Date(clock.now().getTime() - query.older_than_minutes * 60_000)),
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
          order: {
            id: row.order.id,
            number: row.order.number,
            channel: row.channel,
            status: row.order.status,
          },
        }),
      );
    },

    assign: (id: number, assignee: string | null, caller: Caller): Promise<Hold> =>
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
      }),

    /**
     * Releases a hold (a person decided), then re-runs allocation: once no hold is left the order
     * reserves what it is missing, re-taking reservations that expired while it waited. A stock hold
     * is released only when the stock is now there.
     */
    release: (id: number, note: string | undefined, caller: Caller): Promise<OrderView> =>
      orderService.thenRelease(
        inTransaction(db, async (tx) => {
          const { state, hold } = await lockedHold(tx, id, caller);
          if (hold.status !== 'open') {
            throw new AppError('conflict', `Hold ${id} is already ${hold.status}`);
          }
          if (hold.kind === 'return_review') {
            throw new AppError(
              'conflict',
              `Hold ${id} is a return review: decide it with POST /v1/returns/{id}/authorize or /reject (the hold names the return)`,
            );
          }
          const channel = await orderService.channelPolicy(tx, state.order.channelId);
          // Releasing a routing review accepts the rules' choice: no second review.
          const routing = await orderService.routingFor(tx, state, channel, {
            skipCostReview: hold.kind === 'routing_review',
          });
          if (hold.kind === 'stock') {
            // Settle below gives these reservations the expiry the order's remaining holds call for.
            const outcome = await allocateLines(tx, channel, state.lines, null, { planner: routing.planner });
            if (outcome.stockHold) {
              throw new AppError('conflict', `Stock is still short: ${outcome.stockHold.reason}`);
            }
            state.lines = outcome.lines;
          }
          const [released] = await tx
            .update(holds)
            .set({
              status: 'released',
              resolvedAt: clock.now(),
              resolvedBy: caller.keyId,
              note: note ?? null,
            })
            .where(eq(holds.id, id))
            .returning();
          const after = { ...state, holds: state.holds.map((h) => (h.id === id && released ? released : h)) };
          // The remaining checks run again; a kind someone released before stays decided.
          const remaining = (['address', 'payment'] as const).filter(
            (kind) =>
              kind !== hold.kind && !state.holds.some((h) => h.kind === kind && h.status === 'released'),
          );
          const needs = [
            remaining.includes('address')
              ? addressHold(state.order.shipTo, state.order.serviceLevel)
              : undefined,
            remaining.includes('payment')
              ? paymentHold(state.order.payment, state.order.total, state.order.currency)
              : undefined,
          ].filter((need): need is HoldNeed => need !== undefined);
          const settled = await settle(tx, after, channel, clock, {
            routing,
            checked: remaining,
            reloadReservations: hold.kind === 'stock',
            needs,
            actor: caller.keyId,
            events: [
              () => ({
                type: 'order.hold_released',
                resourceType: 'order',
                resourceId: state.order.id,
                channel: state.channel,
                data: { hold: presentHold(released ?? hold) },
              }),
            ],
          });
          return presentOrder(settled);
        }),
      ),
  };
}
