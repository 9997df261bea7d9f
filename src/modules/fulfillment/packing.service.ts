import { desc, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { processCache } from '../../db/process-cache.js';
import { packingRuleSets } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { invalid } from '../../errors.js';
import { emptyPackingRules, type PackingRuleSetBody, packingRuleErrors } from './packing.js';
import type { ReplacePackingRules } from './packing.schemas.js';

/** A saved rule set (or the default, version 0, with `created_at` null), as `packingFor` takes it. */
export interface StoredPackingRuleSet {
  version: number;
  body: PackingRuleSetBody;
  created_at: string | null;
}

/** Who saved a rule set. */
export interface Actor {
  apiKeyId: string | null;
}

/** Serialises saves of a new version across every process (transaction-scoped advisory lock). */
const saveLockId = 0x0bd0_0601;

/** How long a process keeps serving the rule set it read last. */
const defaultCacheMs = 1000;

type Row = typeof packingRuleSets.$inferSelect;

/** Only the fields the API knows, whatever else a stored body might hold. */
const bodyOf = (input: PackingRuleSetBody): PackingRuleSetBody => ({
  rules: input.rules.map(({ name, condition, instructions, materials }) => ({
    name,
    condition,
    ...(instructions === undefined ? {} : { instructions }),
    ...(materials === undefined
      ? {}
      : { materials: materials.map(({ code, unit, quantity }) => ({ code, unit, quantity })) }),
  })),
  carrier_preferences: input.carrier_preferences.map(({ name, condition, carrier, service, tolerance }) => ({
    name,
    condition,
    carrier,
    ...(service === undefined ? {} : { service }),
    tolerance,
  })),
});

const present = (row: Row): StoredPackingRuleSet => {
  const body = row.body as Partial<PackingRuleSetBody>;
  return {
    version: row.version,
    body: bodyOf({ rules: body.rules ?? [], carrier_preferences: body.carrier_preferences ?? [] }),
    created_at: row.createdAt.toISOString(),
  };
};

const defaultSet = (): StoredPackingRuleSet => ({ version: 0, body: emptyPackingRules(), created_at: null });

export type PackingRuleService = ReturnType<typeof createPackingRuleService>;

export function createPackingRuleService({ db, cacheMs = defaultCacheMs }: { db: Db; cacheMs?: number }) {
  async function latest(tx: Executor): Promise<StoredPackingRuleSet> {
    const [row] = await tx.select().from(packingRuleSets).orderBy(desc(packingRuleSets.version)).limit(1);
    return row ? present(row) : defaultSet();
  }

  const cache = processCache(latest, cacheMs);

  return {
    /**
     * The rule set in force: the newest saved version, or the default (version 0, empty). Every release
     * and pack reads it, so it is cached per process for `cacheMs` (1 s); `tx` is used only when the
     * cache is stale. The result is frozen.
     */
    current: (tx: Executor = db): Promise<StoredPackingRuleSet> => cache.get(tx),

    /** Validates and saves a new version (the previous version + 1); concurrent saves queue on a lock. */
    async replace(input: ReplacePackingRules, actor: Actor): Promise<StoredPackingRuleSet> {
      const body = bodyOf(input);
      const errors = packingRuleErrors(body).map((error) => ({ in: 'body' as const, ...error }));
      if (errors.length > 0) {
        throw invalid(errors, 'The packing rule set is invalid; nothing was saved');
      }
      return cache.writing(() =>
        inTransaction(db, async (tx) => {
          await tx.execute(sql`SELECT pg_advisory_xact_lock(${saveLockId})`);
          const [previous] = await tx
            .select({ version: sql<number>`coalesce(max(${packingRuleSets.version}), 0)::int` })
            .from(packingRuleSets);
          const [row] = await tx
            .insert(packingRuleSets)
            .values({
              version: (previous?.version ?? 0) + 1,
              body: body as unknown as Record<string, unknown>,
              createdBy: actor.apiKeyId,
            })
            .returning();
          if (!row) {
            throw new Error('inserting a packing rule set returned no row');
          }
          return present(row);
        }),
      );
    },
  };
}
