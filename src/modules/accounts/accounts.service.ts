import { inTransaction } from '../../db/transaction.js';
import { AppError, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { Page } from '../../http/pagination.js';
import type { AccountLedger } from '../orders/index.js';
import { captureAccountSelect, findAccount, listAccountStates, presentAccount } from './account-store.js';
import type {
  AccountListQuery,
  AccountView,
  CreateAccount,
  InvoiceListQuery,
  RecordPayment,
  UpdateAccount,
} from './accounts.schemas.js';
import { createAccount, updateAccount } from './accounts-edit.js';
import { checkCredit } from './credit.js';
import type { AccountDeps } from './deps.js';
import { exposureOf } from './exposure.js';
import { listInvoices, listPayments } from './invoice-store.js';
import { invoiceShipped } from './invoices.js';
import { recordPayment } from './payments.js';
import { releaseCreditHolds } from './release-credit.js';

export type AccountService = ReturnType<typeof createAccountService>;

/**
 * Accounts are back-office work (credit, invoices, money): a key bound to a channel (a storefront's)
 * gets a 403 on the collection and a 404 for any one account, whatever its scopes. It may still
 * place orders for an account.
 */
function backOffice(caller: Caller): void {
  if (caller.channel !== null) {
    throw new AppError('forbidden', 'Accounts are managed with a key not bound to a channel');
  }
}

/** An account the caller may see: none for a channel-bound key. */
function visible(caller: Caller, id: string): void {
  if (caller.channel !== null) {
    throw notFound(`Account ${id}`);
  }
}

export function createAccountService(deps: AccountDeps) {
  const view = async (id: string): Promise<AccountView> => {
    const state = await findAccount(deps.db, id);
    return presentAccount(state, (await exposureOf(deps.db, state.account, deps.clock.now())).view);
  };
  return {
    create(input: CreateAccount, caller: Caller) {
      backOffice(caller);
      return createAccount(deps, input);
    },
    async list(query: AccountListQuery, caller: Caller): Promise<Page<AccountView>> {
      backOffice(caller);
      const page = await listAccountStates(deps.db, query);
      const now = deps.clock.now();
      const data = [];
      for (const state of page.states) {
        data.push(presentAccount(state, (await exposureOf(deps.db, state.account, now)).view));
      }
      return { data, next_cursor: page.next_cursor };
    },
    get(id: string, caller: Caller) {
      visible(caller, id);
      return view(id);
    },
    update(id: string, input: UpdateAccount, caller: Caller) {
      visible(caller, id);
      return updateAccount(deps, id, input, caller);
    },
    async invoices(id: string, query: InvoiceListQuery, caller: Caller) {
      visible(caller, id);
      await findAccount(deps.db, id);
      return listInvoices(deps.db, id, query, deps.clock.now());
    },
    recordPayment(id: string, input: RecordPayment, caller: Caller) {
      visible(caller, id);
      return recordPayment(deps, id, input, caller);
    },
    async payments(id: string, query: { limit: number; cursor?: string }, caller: Caller) {
      visible(caller, id);
      await findAccount(deps.db, id);
      return listPayments(deps.db, id, query);
    },
  };
}

/** Releases the account's credit holds that fit now (a cancellation freed credit), in a transaction of its own. */
export async function recheckCredit(deps: AccountDeps, id: string, caller: Caller): Promise<void> {
  const released = await inTransaction(deps.db, async (tx) => {
    const { account } = await findAccount(tx, id, true);
    return (await releaseCreditHolds(deps, tx, account, caller, 'an order was cancelled')).released;
  });
  if (released.length > 0) {
    deps.holds.allocated();
  }
}

/** What orders asks of accounts: the composition root hands it over as orders' `AccountLedger`. */
export const accountLedger: AccountLedger = {
  contextSelect: captureAccountSelect,
  checkCredit,
  invoiceShipped,
};
