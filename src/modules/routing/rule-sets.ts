import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { type FieldError, invalid } from '../../errors.js';
import { conditionErrors } from '../rules/index.js';
import type { RoutingDeps } from './deps.js';
import { insertRuleSetVersion, latestRuleSet, latestRuleSets, type SavedRuleSet } from './rule-set-store.js';
import {
  builtInRuleSet,
  exampleRoutingFacts,
  type RuleSet,
  type RuleSetBody,
  routingFactNames,
} from './rules.js';

const factCatalog = {
  names: routingFactNames,
  examples: [
    exampleRoutingFacts,
    { ...exampleRoutingFacts, destination_region: null, line_tags: [], order_value: 0, weight_grams: 0 },
  ],
};

/** Everything a rule set body must satisfy beyond its JSON schema. */
function ruleSetErrors(body: RuleSetBody): FieldError[] {
  return body.rules.flatMap((rule, i) =>
    conditionErrors(rule.condition, factCatalog).map((detail) => ({
      in: 'body' as const,
      pointer: `/rules/${i}/condition`,
      detail,
    })),
  );
}

/** The rule set a channel's orders use: its own, else the `*` set, else the built-in one. */
export async function ruleSetFor(
  { db, cache }: Pick<RoutingDeps, 'db' | 'cache'>,
  channel: string,
  tx: Executor = db,
): Promise<RuleSet> {
  return (await cache.savedRuleSet(channel, tx)) ?? (await cache.savedRuleSet('*', tx)) ?? builtInRuleSet;
}

/** The newest saved version of a scope; `*` falls back to the built-in set. */
export async function currentRuleSet(
  { db }: Pick<RoutingDeps, 'db'>,
  scope: string,
): Promise<SavedRuleSet | undefined> {
  const saved = await latestRuleSet(db, scope);
  if (saved) {
    return { ...saved, scope };
  }
  return scope === '*' ? { ...builtInRuleSet, createdAt: null } : undefined;
}

export async function listRuleSets({ db }: Pick<RoutingDeps, 'db'>): Promise<SavedRuleSet[]> {
  const sets = await latestRuleSets(db);
  return sets.some((s) => s.scope === '*') ? sets : [{ ...builtInRuleSet, createdAt: null }, ...sets];
}

/** Saves a new version of a scope's rule set; concurrent saves get consecutive versions. */
export async function replaceRuleSet(
  { db, cache }: Pick<RoutingDeps, 'db' | 'cache'>,
  scope: string,
  body: RuleSetBody,
  actor: { apiKeyId: string | null },
): Promise<SavedRuleSet> {
  const saved = await inTransaction(db, async (tx) => {
    const errors = ruleSetErrors(body);
    if (scope !== '*') {
      const channel = await tx.execute(sql`SELECT 1 FROM channels WHERE code = ${scope}`);
      if (channel.rows.length === 0) {
        errors.push({
          in: 'params',
          pointer: '/scope',
          detail: `"${scope}" is neither * nor a channel code`,
        });
      }
    }
    if (errors.length > 0) {
      throw invalid(errors);
    }
    return insertRuleSetVersion(tx, scope, body, actor.apiKeyId);
  });
  // Only once committed: a read before that would cache the old version again.
  cache.forgetRuleSets();
  return saved;
}
