import type { Executor } from '../../db/client.js';
import { productFactsBySku } from '../catalog/index.js';
import type { RoutingSession } from '../routing/index.js';
import type { OrderDeps } from './deps.js';
import { type ChannelPolicy, channelPolicy, type OrderState } from './order-store.js';
import { type SettleInput, settle } from './settle.js';

export interface RoutingOptions {
  /** A person accepted the rules' choice (a released routing review): no second review. */
  skipCostReview?: boolean;
  /** A location that gave units back: they go anywhere but there. */
  excludeLocationId?: number;
}

/** Routing by the channel's rules for an order being allocated again. */
export async function routingFor(
  deps: Pick<OrderDeps, 'routing'>,
  tx: Executor,
  state: OrderState,
  channel: ChannelPolicy,
  options: RoutingOptions = {},
): Promise<RoutingSession> {
  const products = await productFactsBySku(
    tx,
    state.lines.map((line) => line.sku),
  );
  const session = await deps.routing.session(
    {
      channel: state.channel,
      shipTo: state.order.shipTo,
      serviceLevel: state.order.serviceLevel,
      total: state.order.total,
      currency: state.order.currency,
      priority: state.order.priority,
    },
    [...products.values()],
    await deps.routing.usage(tx),
    {
      allowPartial: channel.allowBackorders,
      ...(options.skipCostReview ? { skipCostReview: true } : {}),
    },
    tx,
  );
  const excluded = options.excludeLocationId;
  if (excluded === undefined) {
    return session;
  }
  return {
    ...session,
    planner: (input) =>
      session.planner({ ...input, candidates: input.candidates.filter((c) => c.locationId !== excluded) }),
  };
}

/**
 * Settles an order again by its channel's rules: what an edit, a backorder fill and a re-route share.
 * Runs in the caller's transaction, under the order's lock.
 */
export async function settleAgain(
  deps: Pick<OrderDeps, 'routing' | 'clock'>,
  tx: Executor,
  state: OrderState,
  input: Omit<SettleInput, 'routing'> & { routing?: RoutingOptions },
): Promise<OrderState> {
  const channel = await channelPolicy(tx, state.order.channelId);
  const routing = await routingFor(deps, tx, state, channel, input.routing);
  return settle(tx, state, channel, deps.clock, { ...input, routing });
}
