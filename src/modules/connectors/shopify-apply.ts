import { AppError } from '../../errors.js';
import type { ConnectorRow } from './connector-store.js';
import type { DeliveryResult } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { callerOf } from './shopify-caller.js';
import { contentOf, type ShopifyContent, storedContent } from './shopify-content.js';
import { UnreadableDelivery } from './shopify-money.js';
import { readFacts, type ShopifyFacts, toOrder } from './shopify-order.js';
import { findKnown, recordContent, recordKnown, releaseClaim } from './shopify-order-store.js';
import { applyUpdate } from './shopify-update.js';
import { asUnreadable, holdingUnknownSkus } from './unknown-skus.js';

/** What each order topic does to Ordo's order: create captures, updated applies what changed, cancelled cancels. */

type Deps = Pick<ConnectorDeps, 'db' | 'orders' | 'log'>;

/**
 * Captures the Shopify order through the normal capture path. Lines whose SKU Ordo does not sell are
 * taken off and named in a manual hold (with the address problems the mapping repaired), so the order is
 * held, never dropped. Throws UnreadableDelivery when nothing capturable is left.
 */
async function captureOrder(
  deps: Deps,
  connector: ConnectorRow,
  body: unknown,
): Promise<{ result: DeliveryResult; content: ShopifyContent }> {
  const { order, problems } = toOrder(body, { channel: connector.channel, domain: connector.shopDomain });
  const reasons = problems.map((problem) => `Shopify: ${problem}`);
  try {
    const result = await holdingUnknownSkus(order.lines, reasons, async (lines, hold) => {
      if (lines.length === 0) {
        throw new UnreadableDelivery(`no line has a SKU Ordo sells: ${hold?.reason ?? ''}`);
      }
      const { order: captured } = await deps.orders.capture(
        { ...order, lines },
        callerOf(connector),
        hold ? { hold } : {},
      );
      return { outcome: hold ? 'held' : 'created', order_id: captured.id } as const;
    });
    return { result, content: contentOf(order) };
  } catch (err) {
    throw asUnreadable(err, 'Ordo refused the order');
  }
}

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
  const { result, content } = await captureOrder(deps, connector, body);
  await recordKnown(deps.db, {
    ...ids(connector, facts),
    orderId: result.order_id,
    updatedAt: facts.updatedAt,
    content,
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
 * `updated_at`), which is claimed first so a late delivery racing it loses; a cancelled order is
 * cancelled, an update applies what Shopify changed. A failure gives the claim back, so Shopify's retry
 * is applied.
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
  const key = ids(connector, facts);
  if (
    !(await recordKnown(
      deps.db,
      { ...key, orderId: known.orderId, updatedAt: facts.updatedAt },
      cancelled ? facts.updatedAt : null,
    ))
  ) {
    return { outcome: 'ignored', order_id: known.orderId };
  }
  try {
    if (cancelled) {
      await cancelOrder(deps, connector, known.orderId, facts);
      return { outcome: 'cancelled', order_id: known.orderId };
    }
    const before = storedContent(known.appliedContent);
    const { outcome, content } = await applyUpdate(deps, connector, known.orderId, body, before);
    await recordContent(deps.db, key, facts.updatedAt, content);
    return { outcome, order_id: known.orderId };
  } catch (err) {
    if (!(err instanceof UnreadableDelivery)) {
      await releaseClaim(deps.db, key, facts.updatedAt, known.appliedUpdatedAt);
    }
    throw err;
  }
}

const withCancel = (body: unknown, facts: ShopifyFacts) => ({
  ...(body as object),
  cancelled_at: facts.cancelledAt?.toISOString() ?? facts.updatedAt.toISOString(),
});
