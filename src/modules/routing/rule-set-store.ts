import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { routingRuleSets } from '../../db/schema/index.js';
import type { RuleSet, RuleSetBody } from './rules.js';

/** SQL of the saved rule set versions. */

export type SavedRuleSet = RuleSet & { createdAt: Date | null };

/** The newest saved version of a scope, if any. */
export async function latestRuleSet(tx: Executor, scope: string): Promise<SavedRuleSet | undefined> {
  const [row] = await tx
    .select()
    .from(routingRuleSets)
    .where(sql`${routingRuleSets.scope} = ${scope}`)
    .orderBy(sql`${routingRuleSets.version} DESC`)
    .limit(1);
  return (
    row && {
      scope: row.scope,
      version: row.version,
      body: row.body as unknown as RuleSetBody,
      createdAt: row.createdAt,
    }
  );
}

/** The newest version of every saved scope. */
export async function latestRuleSets(tx: Executor): Promise<SavedRuleSet[]> {
  const rows = await tx.execute<{
    scope: string;
    version: number;
    body: RuleSetBody;
    created_at: string;
  }>(sql`
    SELECT DISTINCT ON (scope) scope, version, body, created_at FROM routing_rule_sets ORDER BY scope, version DESC`);
  return rows.rows.map((row) => ({
    scope: row.scope,
    version: row.version,
    body: row.body,
    createdAt: new Date(row.created_at),
  }));
}

/** Saves the next version of a scope; an advisory lock gives concurrent saves consecutive versions. */
export async function insertRuleSetVersion(
  tx: Executor,
  scope: string,
  body: RuleSetBody,
  createdBy: string | null,
): Promise<SavedRuleSet> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${0x0bd0_0003}, hashtext(${scope}))`);
  const [row] = await tx
    .insert(routingRuleSets)
    .values({
      scope,
      version: sql`(SELECT coalesce(max(version), 0) + 1 FROM routing_rule_sets WHERE scope = ${scope})`,
      body: body as unknown as Record<string, unknown>,
      createdBy,
    })
    .returning();
  return { scope, version: row?.version ?? 0, body, createdAt: row?.createdAt ?? null };
}
