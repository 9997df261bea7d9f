import { AppError } from '../../errors.js';
import { editable, type OrderView, type UpdateOrder } from '../orders/index.js';
import type { ConnectorRow } from './connector-store.js';
import type { DeliveryOutcome } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { callerOf } from './shopify-caller.js';
import { contentOf, describeEdit, editOf, paymentOf, type ShopifyContent } from './shopify-content.js';
import { toOrder } from './shopify-order.js';
import { asUnreadable, holdingUnknownSkus } from './unknown-skus.js';

/** orders/updated of an order Ordo has: what Shopify changed becomes an edit, or a note when too late. */

type Deps = Pick<ConnectorDeps, 'orders' | 'log'>;
type Outcome = Extract<DeliveryOutcome, 'updated' | 'held' | 'unchanged' | 'not_applied'>;

/** What an update asks of Ordo's order. */
interface Change {
  edit: UpdateOrder;
  payment: ShopifyContent['payment'] | undefined;
  /** What the mapping had to repair in Shopify's order (an address Ordo cannot use). */
  problems: string[];
}

/**
 * Too late to edit (released, shipped, cancelled): the change goes on the order's timeline with what
 * Shopify asked for, for a person to act on; the delivery still succeeds.
 */
async function recordTooLate(deps: Deps, connector: ConnectorRow, order: OrderView, edit: UpdateOrder) {
  const reason = `Shopify changed the order after it was ${order.status}: ${describeEdit(edit)}`;
  await deps.orders.recordUnappliedChange(order.id, { reason, requested: edit }, callerOf(connector));
  deps.log.warn(
    { channel: connector.channel, order: order.id, status: order.status, fields: Object.keys(edit) },
    'a Shopify change came after the order could be edited; it is on the order timeline',
  );
  return 'not_applied' as const;
}

/**
 * Edits the order through the order use case (its checks, holds and re-allocation), with the payment
 * when Shopify changed it too. New lines with SKUs Ordo does not sell are left out and named in a manual
 * hold, as at capture; an address the mapping had to repair holds it too. Released meanwhile: too late.
 */
async function editOrder(
  deps: Deps,
  connector: ConnectorRow,
  order: OrderView,
  change: Change,
): Promise<Outcome> {
  const { edit, payment } = change;
  const reasons = edit.ship_to ? change.problems.map((problem) => `Shopify: ${problem}`) : [];
  const caller = callerOf(connector);
  const { lines: wanted, ...fields } = edit;
  try {
    return await holdingUnknownSkus(wanted ?? [], reasons, async (lines, hold) => {
      const input = lines.length > 0 ? { ...fields, lines } : fields;
      await deps.orders.update(order.id, input, caller, {
        ...(hold ? { hold } : {}),
        ...(payment ? { payment } : {}),
      });
      return hold ? 'held' : 'updated';
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'conflict') {
      const now = await deps.orders.get(order.id, caller);
      if (!editable.includes(now.status)) {
        return tooLate(deps, connector, now, change);
      }
    }
    throw asUnreadable(err, 'Ordo refused the change');
  }
}

/** A payment Shopify changed: recorded whatever the order's stage (a cancelled order keeps its own). */
async function recordPayment(
  deps: Deps,
  connector: ConnectorRow,
  orderId: string,
  payment: ShopifyContent['payment'],
) {
  try {
    await deps.orders.setPayment(orderId, payment, callerOf(connector));
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'conflict')) {
      throw err;
    }
  }
}

/** Too late to edit: the edit goes on the timeline; the payment is still recorded (it may be). */
async function tooLate(deps: Deps, connector: ConnectorRow, order: OrderView, change: Change) {
  const outcome = await recordTooLate(deps, connector, order, change.edit);
  if (change.payment) {
    await recordPayment(deps, connector, order.id, change.payment);
  }
  return outcome;
}

/**
 * Applies what Shopify changed since `before` (the content last applied; null when Ordo kept none) and
 * the order does not have yet: as an edit while the order may be edited, else as a timeline note; a
 * payment alone is recorded whatever the order's stage. Returns the outcome and the content now applied,
 * to keep for the next update. The same content again changes nothing.
 */
export async function applyUpdate(
  deps: Deps,
  connector: ConnectorRow,
  orderId: string,
  body: unknown,
  before: ShopifyContent | null,
): Promise<{ outcome: Outcome; content: ShopifyContent }> {
  const { order: mapped, problems } = toOrder(body, {
    channel: connector.channel,
    domain: connector.shopDomain,
  });
  const content = contentOf(mapped);
  const order = await deps.orders.get(orderId, callerOf(connector));
  const change = {
    edit: editOf(content, before, order),
    payment: paymentOf(content, before, order),
    problems,
  };
  if (Object.keys(change.edit).length > 0) {
    const outcome = editable.includes(order.status)
      ? await editOrder(deps, connector, order, change)
      : await tooLate(deps, connector, order, change);
    return { outcome, content };
  }
  if (change.payment) {
    await recordPayment(deps, connector, orderId, change.payment);
    return { outcome: 'updated', content };
  }
  return { outcome: 'unchanged', content };
}
