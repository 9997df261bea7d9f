import { runAs, systemActor } from '../../actor.js';
import { isConnectionFailure } from '../../db/pg-errors.js';
import { inTransaction } from '../../db/transaction.js';
import { type AlertRule, kindGuides } from './alert-rules.js';
import {
  claimUnresolved,
  type NewAlert,
  raiseAlerts,
  resolveAlerts,
  retireAlerts,
  touchAlerts,
} from './alert-store.js';
import { summaryOf } from './alert-summary.js';
import { holdingSubjects } from './condition-queries.js';
import { type AlertDeps, defaultCheckLimit, defaultRaiseLimit } from './deps.js';
import { currentAlertRules } from './rule-sets.js';

/** What one evaluation pass did. */
export interface EvaluationResult {
  version: number;
  rules: number;
  raised: number;
  resolved: number;
  /** Unresolved alerts whose condition still held. */
  held: number;
  /** Rules whose evaluation failed (logged); the others were evaluated all the same. */
  failed: Array<{ rule: string; error: string }>;
}

type Counts = Pick<EvaluationResult, 'raised' | 'resolved' | 'held'>;

/**
 * One rule, in one transaction: re-check the rule's unresolved alerts (claimed with SKIP LOCKED),
 * resolve those whose condition cleared and mark the others seen, then raise alerts for subjects that
 * hold and have none. Another process evaluating the same rule at the same moment claims other alerts
 * (or none), and the partial unique index turns its raise of the same subject into nothing.
 */
function evaluateRule(deps: AlertDeps, rule: AlertRule, version: number, now: Date): Promise<Counts> {
  return inTransaction(deps.db, async (tx) => {
    const claimed = await claimUnresolved(tx, rule, version, deps.checkLimit ?? defaultCheckLimit);
    const holding = await holdingSubjects(tx, rule, now, { only: claimed.map((a) => a.subjectId) });
    const still = new Set(holding.map((h) => h.subjectId));
    const cleared = claimed.filter((a) => !still.has(a.subjectId)).map((a) => a.id);
    const held = claimed.filter((a) => still.has(a.subjectId)).map((a) => a.id);
    const resolved = await resolveAlerts(tx, cleared, now);
    await touchAlerts(tx, held, now);
    const fresh = await holdingSubjects(tx, rule, now, {
      unalerted: true,
      limit: deps.raiseLimit ?? defaultRaiseLimit,
    });
    const batch: NewAlert[] = fresh.map((subject) => ({
      rule: rule.id,
      kind: rule.kind,
      subjectType: kindGuides[rule.kind].subject,
      subjectId: subject.subjectId,
      channel: subject.channel,
      summary: summaryOf(rule.kind, subject.details),
      details: subject.details,
      ruleVersion: version,
    }));
    const raised = await raiseAlerts(tx, batch, now);
    return { raised, resolved, held: held.length };
  });
}

/**
 * One pass over the rule set in force: alerts of rules removed, disabled or changed in kind are
 * resolved, then every enabled rule is evaluated at the clock's `now`. Bounded: each rule raises at
 * most `raiseLimit` alerts and re-checks at most `checkLimit` per pass; the rest wait for the next.
 * Events it appends record the `alerts` worker as their actor.
 */
export function evaluateAlerts(deps: AlertDeps): Promise<EvaluationResult> {
  return runAs(systemActor('alerts'), async () => {
    const now = deps.clock.now();
    const set = await currentAlertRules(deps.db);
    const enabled = set.rules.filter((rule) => rule.enabled !== false);
    const result: EvaluationResult = {
      version: set.version,
      rules: enabled.length,
      raised: 0,
      resolved: 0,
      held: 0,
      failed: [],
    };
    result.resolved += await inTransaction(deps.db, (tx) =>
      retireAlerts(
        tx,
        enabled.map((rule) => ({ id: rule.id, kind: rule.kind })),
        set.version,
        now,
        deps.checkLimit ?? defaultCheckLimit,
      ),
    );
    for (const rule of enabled) {
      try {
        const counts = await evaluateRule(deps, rule, set.version, now);
        result.raised += counts.raised;
        result.resolved += counts.resolved;
        result.held += counts.held;
      } catch (err) {
        // The database gone fails every rule: the worker logs that once, not once per rule.
        if (isConnectionFailure(err)) {
          throw err;
        }
        deps.log.error({ err, rule: rule.id }, 'evaluating an alert rule failed');
        result.failed.push({ rule: rule.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return result;
  });
}
