import { desc, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { alertRuleSets } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { invalid } from '../../errors.js';
import { channelIdsByCode, locationIdsByCode } from '../catalog/index.js';
import { queueOf } from '../orders/index.js';
import {
  type AlertRule,
  defaultAlertRules,
  namedCodes,
  normalizeRule,
  ruleSetErrors,
} from './alert-rules.js';
import type { AlertDeps } from './deps.js';

/** A saved rule set (or the default, version 0, with `created_at` null). */
export interface StoredAlertRuleSet {
  version: number;
  rules: AlertRule[];
  created_at: string | null;
}

/** Serialises saves of a new version across every process (transaction-scoped advisory lock). */
const saveLockId = 0x0bd0_0a1e;

const holdQueues = [...new Set(Object.values(queueOf))];

/** The rule set in force: the newest saved version, else the default set (version 0). */
export async function currentAlertRules(tx: Executor): Promise<StoredAlertRuleSet> {
  const [row] = await tx.select().from(alertRuleSets).orderBy(desc(alertRuleSets.version)).limit(1);
  if (!row) {
    return { version: 0, rules: defaultAlertRules.map((rule) => ({ ...rule })), created_at: null };
  }
  return {
    version: row.version,
    rules: row.rules as unknown as AlertRule[],
    created_at: row.createdAt.toISOString(),
  };
}

/** Everything a rule set must satisfy beyond its JSON schema; throws a 422 naming each field. */
async function validate(tx: Executor, rules: readonly AlertRule[]): Promise<void> {
  const named = namedCodes(rules);
  const [channels, locations] = await Promise.all([
    channelIdsByCode(tx, named.channels),
    locationIdsByCode(tx, named.locations),
  ]);
  const errors = ruleSetErrors(rules, {
    queues: holdQueues,
    channels: new Set(channels.keys()),
    locations: new Set(locations.keys()),
  });
  if (errors.length > 0) {
    throw invalid(errors, 'The rule set is invalid; nothing was saved');
  }
}

/** Validates and saves a new version (the previous version + 1); concurrent saves queue on a lock. */
export async function replaceAlertRules(
  { db }: Pick<AlertDeps, 'db'>,
  rules: readonly AlertRule[],
  actor: { apiKeyId: string | null },
): Promise<StoredAlertRuleSet> {
  await validate(db, rules);
  return inTransaction(db, async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${saveLockId})`);
    const [previous] = await tx
      .select({ version: sql<number>`coalesce(max(${alertRuleSets.version}), 0)::int` })
      .from(alertRuleSets);
    const [row] = await tx
      .insert(alertRuleSets)
      .values({
        version: (previous?.version ?? 0) + 1,
        rules: rules.map(normalizeRule) as unknown as Array<Record<string, unknown>>,
        createdBy: actor.apiKeyId,
      })
      .returning();
    if (!row) {
      throw new Error('inserting an alert rule set returned no row');
    }
    return {
      version: row.version,
      rules: row.rules as unknown as AlertRule[],
      created_at: row.createdAt.toISOString(),
    };
  });
}
