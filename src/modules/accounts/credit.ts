import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accounts } from '../../db/schema/index.js';
import type { CreditVerdict } from '../orders/index.js';
import { accountEvent } from './account-events.js';
import { creditProblem, exposureOf } from './exposure.js';

/**
 * Capture's credit check, in its transaction: locks the account's row (before any stock level, so
 * every writer takes them in one order), then reads the exposure in a statement of its own, which
 * sees every order that committed while this one waited for the lock. An invoice overdue past the
 * grace period holds the order whatever the mode; over the limit, `enforce` holds it and `warn` tells.
 */
export async function checkCredit(
  tx: Executor,
  accountId: string,
  order: { value: number; now: Date },
): Promise<CreditVerdict> {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  if (!account) {
    return { events: [] };
  }
  const exposure = await exposureOf(tx, account, order.now);
  const problem = creditProblem(account, exposure.view, order.value);
  if (!problem) {
    return { events: [] };
  }
  const facts = {
    account_id: account.id,
    code: account.code,
    credit_limit: account.creditLimit,
    currency: account.currency,
    exposure: exposure.view,
    order_value: order.value,
  };
  if (problem.kind === 'overdue' || account.creditLimitMode === 'enforce') {
    return { hold: { reason: problem.reason, details: { cause: problem.kind, ...facts } }, events: [] };
  }
  return {
    events: [accountEvent('account.credit_limit_exceeded', { type: 'account', id: account.id }, facts)],
  };
}
