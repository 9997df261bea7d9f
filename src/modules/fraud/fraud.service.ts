import { desc, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { processCache } from '../../db/process-cache.js';
import { fraudRuleSets } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { type FieldError, invalid } from '../../errors.js';
import { defaultFraudRuleSet, type FraudRuleSet, ruleErrors } from './evaluate.js';
import type { ReplaceFraudRules } from './fraud.schemas.js';

/** A saved rule set (or the default, version 0, with `created_at` null). */
export type StoredFraudRuleSet = FraudRuleSet & { created_at: string | null };

/** Who saved a rule set. */
export interface Actor {
  apiKeyId: string | null;
}

/** Serialises saves of a new version across every process (transaction-scoped advisory lock). */
const saveLockId = 0x0bd0_0101;

/** How long a process keeps serving the rule set it read last. */
const defaultCacheMs = 1000;

type Row = typeof fraudRuleSets.$inferSelect;

const present = (row: Row): StoredFraudRuleSet => ({
  version: row.version,
  rules: row.rules,
  review_threshold: row.reviewThreshold,
  reject_threshold: row.rejectThreshold,
  created_at: row.createdAt.toISOString(),
});

const defaultSet = (): StoredFraudRuleSet => ({ ...defaultFraudRuleSet, rules: [], created_at: null });

export type FraudService = ReturnType<typeof createFraudService>;

export function createFraudService({ db, cacheMs = defaultCacheMs }: { db: Db; cacheMs?: number }) {
  async function latest(tx: Executor): Promise<StoredFraudRuleSet> {
    const [row] = await tx.select().from(fraudRuleSets).orderBy(desc(fraudRuleSets.version)).limit(1);
    return row ? present(row) : defaultSet();
  }

  const cache = processCache(latest, cacheMs);

  function validate(input: ReplaceFraudRules): void {
    const errors: FieldError[] = ruleErrors(input.rules).map((error) => ({ in: 'body', ...error }));
    if (input.review_threshold > input.reject_threshold) {
      errors.push({
        in: 'body',
        pointer: '/review_threshold',
        detail: `must be at most reject_threshold (${input.reject_threshold})`,
      });
    }
    if (errors.length > 0) {
      throw invalid(errors, 'The rule set is invalid; nothing was saved');
    }
  }

  return {
    /**
     * The rule set in force: the newest saved version, or the default (version 0). Every order capture
     * reads it, so it is cached per process for `cacheMs` (1 s); `tx` is used only when the cache is
     * stale. The result is frozen.
     */
    current: (tx: Executor = db): Promise<StoredFraudRuleSet> => cache.get(tx),

    /** Validates and saves a new version (the previous version + 1); concurrent saves queue on a lock. */
    async replace(input: ReplaceFraudRules, actor: Actor): Promise<StoredFraudRuleSet> {
      validate(input);
      return cache.writing(() =>
        inTransaction(db, async (tx) => {
          await tx.execute(sql`SELECT pg_advisory_xact_lock(${saveLockId})`);
          const [previous] = await tx
            .select({ version: sql<number>`coalesce(max(${fraudRuleSets.version}), 0)::int` })
            .from(fraudRuleSets);
          const [row] = await tx
            .insert(fraudRuleSets)
            .values({
              version: (previous?.version ?? 0) + 1,
              rules: input.rules.map(({ condition, weight, reason }) => ({ condition, weight, reason })),
              reviewThreshold: input.review_threshold,
              rejectThreshold: input.reject_threshold,
              createdBy: actor.apiKeyId,
            })
            .returning();
          if (!row) {
            throw new Error('inserting a fraud rule set returned no row');
          }
          return present(row);
        }),
      );
    },
  };
}
