import type { Executor } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { AccountRow } from './account-store.js';
import type { AccountDeps } from './deps.js';
import { type Exposure, exposureOf } from './exposure.js';

export interface ReleasedHold {
  hold_id: number;
  order_id: string;
  order_number: number;
}

/**
 * Releases the account's credit holds that no longer apply, oldest first, while they fit: none while an
 * invoice is overdue past the grace period; in `enforce` mode each order must fit under the limit
 * with the ones released before it. Runs under the account's lock, in the caller's transaction,
 * through orders' hold release, so the orders go on to allocation. Returns the exposure after.
 */
export async function releaseCreditHolds(
  deps: Pick<AccountDeps, 'clock' | 'holds'>,
  tx: Executor,
  account: AccountRow,
  caller: Caller,
  why: string,
): Promise<{ released: ReleasedHold[]; exposure: Exposure }> {
  const now = deps.clock.now();
  const exposure = await exposureOf(tx, account, now);
  if (exposure.held.length === 0 || exposure.view.overdue_past_grace > 0) {
    return { released: [], exposure };
  }
  // The release runs as the caller, but sees every channel's orders: accounts are back-office work.
  const releaser: Caller = { ...caller, channel: null };
  let total = exposure.view.total;
  const released: ReleasedHold[] = [];
  for (const held of exposure.held) {
    if (account.creditLimitMode === 'enforce' && total + held.openValue > account.creditLimit) {
      break;
    }
    try {
      await deps.holds.releaseIn(tx, held.holdId, `credit hold no longer applies: ${why}`, releaser);
    } catch (err) {
      // A person released or cancelled it meanwhile: nothing is written for it, the others go on.
      if (err instanceof AppError && err.code === 'conflict') {
        continue;
      }
      throw err;
    }
    total += held.openValue;
    released.push({ hold_id: held.holdId, order_id: held.orderId, order_number: held.number });
  }
  return { released, exposure: released.length > 0 ? await exposureOf(tx, account, now) : exposure };
}
