import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { ConnectorRow } from './connector-store.js';
import type { DeliveryResult } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { UnreadableDelivery } from './shopify-money.js';
import { paymentStatusOf, readFacts, type ShopifyFacts, toOrder } from './shopify-order.js';
import { findKnown, recordKnown } from './shopify-order-store.js';

/** What each order topic does to Ordo's order: create captures, updated applies what changed, cancelled cancels. */

type Deps = Pick<ConnectorDeps, 'db' | 'orders'>;

/** The connector calls the order use cases as its own channel-bound key. */
export const callerOf = (connector: ConnectorRow): Caller => ({
  keyId: connector.apiKeyId,
  keyName: `Shopify connector (${connector.channel})`,
  scopes: ['orders:read', 'orders:write'],
  channel: connector.channel,
  rateLimit: null,
});

const skuPointer = /^\/lines\/(\d+)\/sku$/;

/**
 * Captures the Shopify order through the normal capture path. Lines whose SKU Ordo does not sell are
 * taken off and named in a manual hold (with the address problems the mapping repaired), so the order is
 * held, never dropped. Throws UnreadableDelivery when nothing capturable is left.
 */
async function captureOrder(deps: Deps, connector: ConnectorRow, body: unknown): Promise<DeliveryResult> {
  const { order, problems } = toOrder(body, { channel: connector.channel, domain: connector.shopDomain });
  const caller = callerOf(connector);
  const reasons = problems.map((problem) => `Shopify: ${problem}`);
  let lines = order.lines;
  const missing: typeof lines = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const hold =
      reasons.length > 0 ? { reason: reasons.join('; '), details: { missing_lines: missing } } : undefined;
    try {
      const { order: captured } = await deps.orders.capture(
        { ...order, lines },
        caller,
        hold ? { hold } : {},
      );
      return { outcome: hold ? 'held' : 'created', order_id: captured.id };
    } catch (err) {
      const unknown = unknownLines(err);
      if (attempt > 0 || unknown.size === 0) {
        throw err instanceof AppError && err.code === 'validation_failed'
          ? new UnreadableDelivery(`Ordo refused the order: ${describe(err)}`)
          : err;
      }
      missing.push(...lines.filter((_, i) => unknown.has(i)));
      lines = lines.filter((_, i) => !unknown.has(i));
      reasons.push(...missing.map((line) => `Shopify: ${line.quantity} x "${line.sku}" is not a known SKU`));
      if (lines.length === 0) {
        throw new UnreadableDelivery(`no line has a SKU Ordo sells: ${reasons.join('; ')}`);
      }
    }
  }
  throw new Error('unreachable');
}

const unknownLines = (err: unknown) =>
  new Set(
    err instanceof AppError && err.code === 'validation_failed'
      ? (err.errors ?? []).flatMap((e) => {
          const match = skuPointer.exec(e.pointer);
          return match ? [Number(match[1])] : [];
        })
      : [],
  );

const describe = (err: AppError) =>
  (err.errors ?? []).map((e) => `${e.pointer} ${e.detail}`).join('; ') || err.message;

async function cancelOrder(deps: Deps, connector: ConnectorRow, orderId: string, facts: ShopifyFacts) {
  try {
    await deps.orders.cancel(
      orderId,
      { reason: `Cancelled in Shopify (${facts.cancelReason ?? 'no reason given'})` },
      callerOf(connector),
    );
  } catch (err) {
    // Already cancelled, or too far along to cancel: nothing more the connector can do.
    if (!(err instanceof AppError && err.code === 'conflict')) {
      throw err;
    }
  }
}

/** orders/create (and an update or cancel for an order Ordo has not seen): capture it. */
export async function applyCreate(
  deps: Deps,
  connector: ConnectorRow,
  body: unknown,
): Promise<DeliveryResult> {
  const facts = readFacts(body);
  const known = await findKnown(deps.db, connector.channelId, facts.id);
  if (known?.orderId) {
    return { outcome: 'duplicate', order_id: known.orderId };
  }
  const result = await captureOrder(deps, connector, body);
  await recordKnown(deps.db, {
    ...ids(connector, facts),
    orderId: result.order_id,
    updatedAt: facts.updatedAt,
  });
  if (facts.cancelledAt && result.order_id) {
    await cancelOrder(deps, connector, result.order_id, facts);
    return { outcome: 'cancelled', order_id: result.order_id };
  }
  return result;
}

const ids = (connector: ConnectorRow, facts: ShopifyFacts) => ({
  channelId: connector.channelId,
  shopifyOrderId: facts.id,
});

/**
 * orders/updated and orders/cancelled: applied only when newer than what was applied (Shopify's
 * `updated_at`); a cancelled order is cancelled, a changed financial status updates the payment.
 */
export async function applyChange(
  deps: Deps,
  connector: ConnectorRow,
  body: unknown,
  topic: 'orders/updated' | 'orders/cancelled',
): Promise<DeliveryResult> {
  const facts = readFacts(body);
  const known = await findKnown(deps.db, connector.channelId, facts.id);
  if (!known?.orderId) {
    return applyCreate(deps, connector, topic === 'orders/cancelled' ? withCancel(body, facts) : body);
  }
  if (facts.updatedAt <= known.appliedUpdatedAt && !(topic === 'orders/cancelled' && !known.cancelledAt)) {
    return { outcome: 'ignored', order_id: known.orderId };
  }
  const cancelled = topic === 'orders/cancelled' || facts.cancelledAt !== null;
  if (
    !(await recordKnown(
      deps.db,
      { ...ids(connector, facts), orderId: known.orderId, updatedAt: facts.updatedAt },
      cancelled ? facts.updatedAt : null,
    ))
  ) {
    return { outcome: 'ignored', order_id: known.orderId };
  }
  if (cancelled) {
    await cancelOrder(deps, connector, known.orderId, facts);
    return { outcome: 'cancelled', order_id: known.orderId };
  }
  const status = paymentStatusOf(facts.financialStatus);
  await deps.orders.setPayment(known.orderId, { status }, callerOf(connector)).catch((err: unknown) => {
    if (!(err instanceof AppError && err.code === 'conflict')) {
      throw err;
    }
  });
  return { outcome: 'updated', order_id: known.orderId };
}

const withCancel = (body: unknown, facts: ShopifyFacts) => ({
  ...(body as object),
  cancelled_at: facts.cancelledAt?.toISOString() ?? facts.updatedAt.toISOString(),
});
