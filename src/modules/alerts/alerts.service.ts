import type { Caller } from '../../http/caller.js';
import { acknowledgeAlert } from './acknowledge.js';
import type { AlertRule } from './alert-rules.js';
import { findAlert, listAlerts, presentAlert } from './alert-store.js';
import type { AlertListQuery } from './alerts.schemas.js';
import type { AlertDeps } from './deps.js';
import { evaluateAlerts } from './evaluate.js';
import { currentAlertRules, replaceAlertRules } from './rule-sets.js';

export type AlertService = ReturnType<typeof createAlertService>;

/** Exception alerts: the versioned rules, the alerts they raised, and the evaluation pass. */
export function createAlertService(deps: AlertDeps) {
  return {
    currentRules: () => currentAlertRules(deps.db),
    replaceRules: (rules: AlertRule[], actor: { apiKeyId: string | null }) =>
      replaceAlertRules(deps, rules, actor),
    list: (query: AlertListQuery, caller: Caller) => listAlerts(deps.db, query, caller),
    get: async (id: number, caller: Caller) => presentAlert(await findAlert(deps.db, id, caller)),
    acknowledge: (id: number, caller: Caller) => acknowledgeAlert(deps, id, caller),
    /** One pass of the evaluator (the `alerts` worker runs it periodically; tests call it directly). */
    evaluate: () => evaluateAlerts(deps),
  };
}
