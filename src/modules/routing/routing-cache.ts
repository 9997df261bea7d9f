import type { Db, Executor } from '../../db/client.js';
import { type LocationMeta, readLocations } from './location-directory.js';
import { latestRuleSet } from './rule-set-store.js';
import type { RuleSet } from './rules.js';

const cacheMs = 1000;

/**
 * Rule sets and locations change rarely and are read on every order: each process keeps them for
 * up to a second, and a change made through this process clears its copy at once.
 */
export function createRoutingCache(db: Db) {
  const ruleSets = new Map<string, { ruleSet: RuleSet | undefined; until: number }>();
  let directory: { byId: Map<number, LocationMeta>; until: number } | undefined;
  // Bumped on every change: a read that started before it must not put the old value back in the cache.
  let generation = 0;

  return {
    /** The newest saved version of a scope, if any. */
    async savedRuleSet(scope: string, tx: Executor = db): Promise<RuleSet | undefined> {
      const started = generation;
      const cached = ruleSets.get(scope);
      if (cached && cached.until > Date.now()) {
        return cached.ruleSet;
      }
      const saved = await latestRuleSet(tx, scope);
      const ruleSet = saved && { scope: saved.scope, version: saved.version, body: saved.body };
      if (started === generation) {
        ruleSets.set(scope, { ruleSet, until: Date.now() + cacheMs });
      }
      return ruleSet;
    },

    async locationsById(tx: Executor = db): Promise<Map<number, LocationMeta>> {
      if (directory && directory.until > Date.now()) {
        return directory.byId;
      }
      const started = generation;
      const byId = await readLocations(tx);
      if (started === generation) {
        directory = { byId, until: Date.now() + cacheMs };
      }
      return byId;
    },

    forgetRuleSets(): void {
      ruleSets.clear();
      generation++;
    },

    forgetLocations(): void {
      directory = undefined;
      generation++;
    },
  };
}

export type RoutingCache = ReturnType<typeof createRoutingCache>;
