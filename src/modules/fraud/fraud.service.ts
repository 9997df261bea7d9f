import { desc, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
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

/** The cached set is shared by every caller in the process: freeze it so no caller can change it for others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

export type FraudService = ReturnType<typeof createFraudService>;

export function createFraudService({ db, cacheMs = defaultCacheMs }: { db: Db; cacheMs?: number }) {
  /*
   * Every order capture reads the rule set, so the newest one is cached per process. Staleness window:
   * a process may score orders with the previous version for up to `cacheMs` (1 s) after another
   * process saved a new one; a save in this process invalidates its own cache at once. `generation`
   * stops a read that started before a save from caching the version that save replaced.
   */
  let cached: { set: StoredFraudRuleSet; readAt: number } | undefined;
  let generation = 0;

  async function latest(tx: Executor): Promise<StoredFraudRuleSet> {
    const [row] = await tx.select().from(fraudRuleSets).orderBy(desc(fraudRuleSets.version)).limit(1);
    return row ? present(row) : defaultSet();
  }

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
     * The rule set in force: the newest saved version, or the default (version 0). Served from the
     * process cache when it is younger than `cacheMs`; `tx` is used only when the cache is stale.
     * The result is frozen.
     */
    async current(tx: Executor = db): Promise<StoredFraudRuleSet> {
      const now = performance.now();
      if (cached && now - cached.readAt < cacheMs) {
        return cached.set;
      }
      const startedIn = generation;
      const set = deepFreeze(await latest(tx));
      if (startedIn === generation) {
        cached = { set, readAt: now };
      }
      return set;
    },

    /** Validates and saves a new version (the previous version + 1); concurrent saves queue on a lock. */
    async replace(input: ReplaceFraudRules, actor: Actor): Promise<StoredFraudRuleSet> {
      validate(input);
      try {
        return await inTransaction(db, async (tx) => {
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
        });
      } finally {
        // Also on failure: the save may have committed before an error reached us.
        generation++;
        cached = undefined;
      }
    },
  };
}
