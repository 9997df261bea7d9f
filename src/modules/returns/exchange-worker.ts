import { type SQL, sql } from 'drizzle-orm';
import type { Caller } from '../../http/caller.js';
import type { ReturnDeps } from './deps.js';
import { cancelExchange, tryExchange } from './exchange.js';
import { exchangeStatuses } from './return-state.js';

export interface RedriveOptions {
  /** Returns claimed per run, for each of the two repairs. */
  limit?: number;
  /**
   * How long a return is left to the request that changed it (which creates or cancels its exchange
   * right after its commit) before the worker takes it; also how long a claimed return rests between tries.
   */
  graceMs?: number;
}

type WorkerDeps = Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'released' | 'log'>;

const received = sql`EXISTS (SELECT 1 FROM return_lines l
  WHERE l.return_id = r.id AND l.quantity_restocked + l.quantity_unsellable > 0)`;

/** Orders not released yet: a replacement that is still waiting (for its return, a hold or stock). */
const unreleased = ['received', 'validated', 'on_hold', 'backordered', 'allocated'];

/**
 * Claims up to `limit` returns matching `where` (alias `r`, joined to their replacement order as `o`
 * when there is one) in one statement: `FOR UPDATE SKIP LOCKED`, then `updated_at` moved on as a
 * lease, so replicas share the work and a failing return is retried after the grace, not in a loop.
 */
async function claim(deps: WorkerDeps, where: SQL, options: Required<RedriveOptions>) {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const claimed = await deps.db.execute<{
    id: string;
    number: string;
    replacement_order_id: string | null;
    created_by: string | null;
  }>(sql`
    UPDATE returns SET updated_at = ${now.toISOString()}::timestamptz
     WHERE id IN (
       SELECT r.id FROM returns r LEFT JOIN orders o ON o.id = r.replacement_order_id
        WHERE r.updated_at < ${cutoff.toISOString()}::timestamptz AND ${where}
        ORDER BY r.updated_at
        LIMIT ${options.limit}
          FOR UPDATE OF r SKIP LOCKED)
    RETURNING id, number, replacement_order_id, created_by`);
  return claimed.rows.flatMap((row) => {
    if (row.created_by === null) {
      deps.log.warn({ returnId: row.id }, 'a return’s exchange needs a repair but no API key to act for');
      return [];
    }
    // On behalf of the key that opened the return, as the back office.
    const caller: Caller = {
      keyId: row.created_by,
      keyName: 'exchange repair',
      scopes: ['admin'],
      channel: null,
      rateLimit: null,
    };
    return [{ ...row, caller }];
  });
}

/**
 * The exchange worker: repairs what a crash or a failure between a return's commit and the order
 * change that follows it left behind. Creates the replacement orders that are owed but missing (the
 * idempotent `ensureExchange`), and cancels the replacements of returns rejected or closed before
 * anything arrived that still wait for release. Returns how many returns it repaired without a failure.
 */
export async function redriveExchanges(deps: WorkerDeps, options: RedriveOptions = {}): Promise<number> {
  const settings = { limit: options.limit ?? 20, graceMs: options.graceMs ?? 60_000 };
  let done = 0;
  const owed = await claim(
    deps,
    sql`r.replacement_order_id IS NULL AND jsonb_array_length(r.replacement_lines) > 0
        AND (r.status = ANY(${sql.param([...exchangeStatuses])}::return_status[])
             OR (r.status = 'closed' AND ${received}))`,
    settings,
  );
  for (const row of owed) {
    done += (await tryExchange(deps, row.id, row.caller)) ? 1 : 0;
  }
  const ended = await claim(
    deps,
    sql`o.status = ANY(${sql.param(unreleased)}::order_status[])
        AND (r.status = 'rejected' OR (r.status = 'closed' AND NOT ${received}))`,
    settings,
  );
  for (const { replacement_order_id: orderId, number, caller } of ended) {
    if (orderId && (await cancelExchange(deps, orderId, `return ${number} ended`, caller))) {
      done += 1;
    }
  }
  return done;
}
