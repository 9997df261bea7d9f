import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountBuyers, accounts } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { decodeCursor, toPage } from '../../http/pagination.js';
import type { AccountListQuery, AccountView, ExposureView } from './accounts.schemas.js';

/** Data access for accounts and their buyers: this module's tables. */

export type AccountRow = typeof accounts.$inferSelect;
type BuyerRow = typeof accountBuyers.$inferSelect;

export interface AccountState {
  account: AccountRow;
  buyers: BuyerRow[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SQL reading the account named by id or code, with its buyers' e-mails, as capture's JSON. An id
 * wins over a code that happens to look like one.
 */
export const captureAccountSelect = (ref: string) => sql`
  SELECT jsonb_build_object('id', a.id, 'code', a.code, 'active', a.active, 'terms', a.terms,
                            'currency', a.currency, 'priority', a.priority,
                            'buyers', ARRAY(SELECT b.email FROM account_buyers b WHERE b.account_id = a.id))
    FROM accounts a
   WHERE ${uuidPattern.test(ref) ? sql`a.id = ${ref}::uuid OR ` : sql``}a.code = ${ref}
   ORDER BY ${uuidPattern.test(ref) ? sql`a.id = ${ref}::uuid DESC` : sql`a.code`} LIMIT 1`;

/** The account and its buyers; locked (FOR UPDATE) when asked: the first step of every change to it. */
export async function findAccount(tx: Executor, id: string, lock = false): Promise<AccountState> {
  const query = tx.select().from(accounts).where(eq(accounts.id, id));
  const [account] = lock ? await query.for('update') : await query;
  if (!account) {
    throw notFound(`Account ${id}`);
  }
  const buyers = await tx
    .select()
    .from(accountBuyers)
    .where(eq(accountBuyers.accountId, id))
    .orderBy(asc(accountBuyers.email));
  return { account, buyers };
}

/** Replaces the account's buyers (e-mails lower-cased, one row each). */
export async function writeBuyers(
  tx: Executor,
  accountId: string,
  buyers: ReadonlyArray<{ email: string; name?: string | undefined }>,
): Promise<BuyerRow[]> {
  await tx.delete(accountBuyers).where(eq(accountBuyers.accountId, accountId));
  const unique = new Map(buyers.map((b) => [b.email.toLowerCase(), b.name ?? null]));
  if (unique.size === 0) {
    return [];
  }
  const rows = await tx
    .insert(accountBuyers)
    .values([...unique].map(([email, name]) => ({ accountId, email, name })))
    .returning();
  return rows.sort((a, b) => a.email.localeCompare(b.email));
}

export function presentAccount(state: AccountState, exposure: ExposureView): AccountView {
  const { account } = state;
  return {
    id: account.id,
    code: account.code,
    name: account.name,
    payment_terms: account.terms,
    currency: account.currency,
    credit_limit: account.creditLimit,
    credit_limit_mode: account.creditLimitMode,
    grace_days: account.graceDays,
    priority: account.priority,
    active: account.active,
    buyers: state.buyers.map((b) => ({ email: b.email, name: b.name })),
    exposure,
    created_at: account.createdAt.toISOString(),
    updated_at: account.updatedAt.toISOString(),
  };
}

/** A page of accounts by code, with their buyers. */
export async function listAccountStates(tx: Executor, query: AccountListQuery) {
  const after = decodeCursor(query.cursor, ['string']);
  const rows = await tx
    .select()
    .from(accounts)
    .where(
      and(
        query.code === undefined ? undefined : eq(accounts.code, query.code),
        query.active === undefined ? undefined : eq(accounts.active, query.active),
        after ? gt(accounts.code, String(after[0])) : undefined,
      ),
    )
    .orderBy(asc(accounts.code))
    .limit(query.limit + 1);
  const page = toPage(
    rows,
    query.limit,
    (row) => [row.code],
    (row) => row,
  );
  const ids = page.data.map((row) => row.id);
  const buyers =
    ids.length === 0
      ? []
      : await tx
          .select()
          .from(accountBuyers)
          .where(inArray(accountBuyers.accountId, ids))
          .orderBy(asc(accountBuyers.email));
  return {
    states: page.data.map((account) => ({
      account,
      buyers: buyers.filter((b) => b.accountId === account.id),
    })),
    next_cursor: page.next_cursor,
  };
}
