import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { isRetryable } from '../../db/pg-errors.js';
import { orders } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import {
  buildDraft,
  type CaptureContext,
  type CaptureDraft,
  captureContext,
  captureErrors,
  riskOf,
} from './capture-draft.js';
import { drawCapture } from './capture-read.js';
import { CapacityTaken, RepeatedOrder, StockMoved } from './capture-refusals.js';
import { writeCapture } from './capture-store.js';
import type { CreditVerdict, OrderDeps } from './deps.js';
import { awaitingRelease } from './order-state.js';
import { loadOrders } from './order-store.js';
import { presentOrder } from './order-view.js';
import type { CreateOrder, OrderView } from './orders.schemas.js';

export interface CaptureOptions {
  /** Keep the order from release until `releaseAwaiting` is called (an exchange waits for its return). */
  awaitRelease?: boolean;
  /** Open a manual hold with this reason: a channel connector's order that could not be taken as sent. */
  hold?: { reason: string; details: Record<string, unknown> };
}

/** The channel an order is created in: the key's own when bound, else the one named in the body. */
function channelCodeFor(caller: Caller, named: string | undefined): string {
  if (caller.channel !== null && named !== undefined && named !== caller.channel) {
    throw invalid([
      bodyError('/channel', `this API key may only create orders for channel "${caller.channel}"`),
    ]);
  }
  const code = named ?? caller.channel;
  if (code === null) {
    throw invalid([bodyError('/channel', 'is required for an API key that is not bound to a channel')]);
  }
  return code;
}

/**
 * Checks an order on terms against its account's credit under the account's row lock, taken before
 * any stock level's (one lock order). Over the limit or overdue, the order is held for credit; a
 * limit passed in `warn` mode is told with the verdict's events, appended once the order exists.
 */
async function withCredit(
  deps: Pick<OrderDeps, 'accounts'>,
  tx: Executor,
  draft: CaptureDraft,
): Promise<{ draft: CaptureDraft; events: CreditVerdict['events'] }> {
  const accountId = draft.creditAccountId;
  if (!accountId || !deps.accounts) {
    return { draft, events: [] };
  }
  const verdict = await deps.accounts.checkCredit(tx, accountId, {
    value: draft.order.total,
    now: draft.now,
  });
  const needs = verdict.hold ? [...draft.needs, { kind: 'credit' as const, ...verdict.hold }] : draft.needs;
  return { draft: { ...draft, needs }, events: verdict.events };
}

/** The credit verdict's events, naming the order they are about. */
const creditEvents = (events: CreditVerdict['events'], order: OrderView) =>
  events.map((event) => ({
    ...event,
    data: {
      ...event.data,
      order: { id: order.id, number: order.number, external_id: order.external_id, channel: order.channel },
    },
  }));

/** Tries at capturing one order; the last one locks the levels before it plans, so stock cannot move. */
const attempts = 3;

/**
 * Routes and writes the draft. A location that filled up meanwhile is routed around, stock that moved
 * since it was read is read again, and a deadlock retried (twice at most). Returns undefined when the
 * (channel, external_id) already has an order.
 */
async function write(
  deps: Pick<OrderDeps, 'db' | 'routing' | 'allocated' | 'accounts' | 'retried'>,
  draft: CaptureDraft,
  context: CaptureContext,
): Promise<OrderView | undefined> {
  const { channel } = draft;
  const routedOrder = {
    channel: channel.code,
    shipTo: draft.order.shipTo,
    serviceLevel: draft.order.serviceLevel,
    total: draft.order.total,
    currency: draft.order.currency,
    priority: draft.order.priority,
  };
  let usage = context.usage;
  for (let attempt = 1; ; attempt++) {
    try {
      const session = await deps.routing.session(routedOrder, [...context.products.values()], usage, {
        allowPartial: channel.allowBackorders,
      });
      // Planned on levels read without locks; the write checks them under lock (`stockCheck`).
      const read = attempt < attempts ? await drawCapture(deps.db, draft, { lock: false }) : undefined;
      const { order, written } = await inTransaction(deps.db, async (tx) => {
        const credited = await withCredit(deps, tx, draft);
        const drawn = read ?? (await drawCapture(tx, credited.draft, { lock: true }));
        // Not waiting for the write: the COMMIT goes out right behind it, one round trip for both.
        return writeCapture(tx, credited.draft, session, drawn, (view) =>
          creditEvents(credited.events, view),
        );
      });
      await written;
      if (order.status === 'allocated') {
        deps.allocated?.();
      }
      return order;
    } catch (err) {
      if (err instanceof StockMoved && attempt < attempts) {
        deps.retried?.('stock_moved');
        continue;
      }
      if ((err instanceof CapacityTaken || isRetryable(err)) && attempt < attempts) {
        // Another order took a location's last room today, or a deadlock ended the transaction: route
        // again with fresh usage.
        deps.retried?.(err instanceof CapacityTaken ? 'capacity_taken' : 'deadlock');
        usage = await deps.routing.usage(deps.db);
        continue;
      }
      if (err instanceof CapacityTaken || err instanceof StockMoved) {
        throw new AppError(
          'service_unavailable',
          'Stock or locations changed while routing this order; retry',
          {
            retryAfterSeconds: 1,
          },
        );
      }
      if (err instanceof RepeatedOrder) {
        return undefined;
      }
      throw err;
    }
  }
}

/**
 * Captures an order: validates, checks address, payment and fraud, reserves stock and records holds
 * and events, in one transaction. A repeat of (channel, external_id) returns the existing order
 * instead, even when copies race or an earlier response was lost.
 */
export async function capture(
  deps: OrderDeps,
  input: CreateOrder,
  caller: Caller,
  options: CaptureOptions = {},
): Promise<{ order: OrderView; created: boolean }> {
  const channelCode = channelCodeFor(caller, input.channel);
  const placedAt = input.placed_at ? new Date(input.placed_at) : deps.clock.now();
  const [context, ruleSet] = await Promise.all([
    captureContext(
      deps.db,
      input,
      channelCode,
      placedAt,
      deps.routing.usageSelect(),
      input.account === undefined ? undefined : deps.accounts?.contextSelect(input.account),
    ),
    deps.fraud.current(),
  ]);
  const errors = captureErrors(input, context, channelCode);
  const { channel } = context;
  if (!channel || errors.length > 0) {
    throw invalid(errors);
  }
  const { errors: ruleErrors, ...risk } = riskOf(input, channel, context, ruleSet);
  if (ruleErrors.length > 0) {
    deps.log.warn(
      { errors: ruleErrors, version: risk.version },
      'fraud rules failed on an order; they count as not firing',
    );
  }
  const draft = buildDraft(input, { ...context, channel }, risk, {
    placedAt,
    now: deps.clock.now(),
    createdBy: caller.keyId,
    ...(options.awaitRelease ? { releaseAt: awaitingRelease } : {}),
  });
  if (options.hold && !draft.rejection) {
    draft.needs.push({ kind: 'manual', ...options.hold });
  }
  const order = await write(deps, draft, context);
  if (order) {
    return { order, created: true };
  }
  // The same (channel, external_id) was captured before, or by a copy that just committed.
  const [existing] = await deps.db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.channelId, channel.id), eq(orders.externalId, input.external_id)));
  const [state] = await loadOrders(deps.db, [existing?.id ?? '']);
  if (!state) {
    throw new Error('a conflicting order vanished');
  }
  return { order: presentOrder(state), created: false };
}
