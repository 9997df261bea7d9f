import { and, eq, sql } from 'drizzle-orm';
import { returns } from '../../db/schema/index.js';
import type { Caller } from '../../http/caller.js';
import type { ReturnDeps } from './deps.js';
import { arrived } from './return-state.js';
import { policyOf, reload } from './return-store.js';

/**
 * Creates the exchange's replacement order through order capture (reserved and routed at once), at
 * no charge, linked to the return. Capture is idempotent by its external id, so calling this again
 * (a retry after a crash between the two transactions) never makes a second order.
 */
export async function ensureExchange(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering'>,
  id: string,
  caller: Caller,
): Promise<void> {
  const { db } = deps;
  const state = await reload(db, id);
  if (
    state.ret.replacementLines.length === 0 ||
    state.ret.replacementOrderId ||
    state.ret.status === 'rejected'
  ) {
    return;
  }
  // As the back office: the replacement goes to the original order's channel, whoever asked.
  const backOffice = { ...caller, channel: null };
  const original = await deps.orders.find(db, state.ret.orderId, backOffice);
  const policy = await policyOf(db, original);
  const waits = policy.exchange_release === 'on_receipt' && !arrived.includes(state.ret.status);
  const { order } = await deps.ordering.capture(
    {
      channel: original.channel,
      external_id: `${original.order.externalId}~${state.ret.number}`,
      customer: original.order.customer,
      ship_to: original.order.shipTo,
      ...(original.order.billingAddress ? { billing_address: original.order.billingAddress } : {}),
      lines: state.ret.replacementLines.map((line) => ({
        sku: line.sku,
        quantity: line.quantity,
        unit_price: 0,
      })),
      currency: original.order.currency,
      shipping: { service_level: original.order.serviceLevel, amount: 0 },
      payment: { status: 'captured', amount: 0, method: 'exchange' },
      tags: ['exchange'],
      metadata: { exchange_for_order: original.order.number, return: state.ret.number },
    },
    backOffice,
    waits ? { awaitRelease: true } : {},
  );
  await db
    .update(returns)
    .set({ replacementOrderId: order.id, updatedAt: deps.clock.now() })
    .where(and(eq(returns.id, id), sql`${returns.replacementOrderId} IS NULL`));
}
