import { eq } from 'drizzle-orm';
import { accounts } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { accountEvent } from './account-events.js';
import { findAccount, presentAccount, writeBuyers } from './account-store.js';
import type { AccountView, CreateAccount, UpdateAccount } from './accounts.schemas.js';
import type { AccountDeps } from './deps.js';
import { exposureOf } from './exposure.js';
import { releaseCreditHolds } from './release-credit.js';

const currencies = new Set(Intl.supportedValuesOf('currency'));

/** Opens an account with its buyers; a code in use is a 409, a currency ISO 4217 does not know a 422. */
export async function createAccount(deps: AccountDeps, input: CreateAccount): Promise<AccountView> {
  if (!currencies.has(input.currency)) {
    throw invalid([bodyError('/currency', `"${input.currency}" is not an ISO 4217 currency`)]);
  }
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const [account] = await tx
      .insert(accounts)
      .values({
        code: input.code,
        name: input.name,
        terms: input.payment_terms,
        currency: input.currency,
        creditLimit: input.credit_limit,
        creditLimitMode: input.credit_limit_mode ?? 'enforce',
        graceDays: input.grace_days ?? 0,
        priority: input.priority ?? 0,
        active: input.active ?? true,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: accounts.code })
      .returning();
    if (!account) {
      throw new AppError('conflict', `An account with code "${input.code}" already exists`);
    }
    const buyers = await writeBuyers(tx, account.id, input.buyers ?? []);
    const view = presentAccount({ account, buyers }, (await exposureOf(tx, account, now)).view);
    await appendEvents(tx, [
      accountEvent('account.created', { type: 'account', id: account.id }, { account: view }),
    ]);
    return view;
  });
}

/**
 * Changes an account under its lock. Credit holds that the change makes moot (a higher limit, a longer
 * grace period, `warn` or `ignore`) are released, oldest first, and their orders go on to allocation.
 */
export async function updateAccount(
  deps: AccountDeps,
  id: string,
  input: UpdateAccount,
  caller: Caller,
): Promise<AccountView> {
  const outcome = await inTransaction(deps.db, async (tx) => {
    const state = await findAccount(tx, id, true);
    const now = deps.clock.now();
    const [account = state.account] = await tx
      .update(accounts)
      .set({
        name: input.name,
        terms: input.payment_terms,
        creditLimit: input.credit_limit,
        creditLimitMode: input.credit_limit_mode,
        graceDays: input.grace_days,
        priority: input.priority,
        active: input.active,
        updatedAt: now,
      })
      .where(eq(accounts.id, id))
      .returning();
    const buyers = input.buyers ? await writeBuyers(tx, id, input.buyers) : state.buyers;
    const { released, exposure } = await releaseCreditHolds(deps, tx, account, caller, 'the account changed');
    const view = presentAccount({ account, buyers }, exposure.view);
    await appendEvents(tx, [
      accountEvent('account.updated', { type: 'account', id }, { account: view, fields: Object.keys(input) }),
    ]);
    return { view, released: released.length };
  });
  if (outcome.released > 0) {
    deps.holds.allocated();
  }
  return outcome.view;
}
