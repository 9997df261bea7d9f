import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import type { Caller } from '../../http/caller.js';
import type { CarrierService } from '../carriers/index.js';
import type { ChoiceInput } from '../promising/index.js';
import { captureChoice } from './capture-choice.js';
import type { RoutingDeps } from './deps.js';
import { incomingDeliveryFor } from './incoming-delivery.js';
import type { Simulate } from './routing.schemas.js';
import { createRoutingCache } from './routing-cache.js';
import { currentRuleSet, listRuleSets, replaceRuleSet, ruleSetFor } from './rule-sets.js';
import type { RuleSetBody } from './rules.js';
import { openSession, type RoutedOrder, type RoutedProduct } from './session.js';
import { simulate } from './simulate.js';
import { readUsage, type UsageRow, usageSelect } from './usage-store.js';

export type RoutingService = ReturnType<typeof createRoutingService>;

export function createRoutingService({
  db,
  clock,
  carriers,
}: {
  db: Db;
  clock: Clock;
  carriers: Pick<CarrierService, 'activeServices'>;
}) {
  const deps: RoutingDeps = { db, clock, carriers, cache: createRoutingCache(db) };
  return {
    /** The rule set a channel's orders use: its own, else the `*` set, else the built-in one. */
    ruleSetFor: (channel: string, tx: Executor = db) => ruleSetFor(deps, channel, tx),
    /** The newest saved version of a scope; `*` falls back to the built-in set. */
    current: (scope: string) => currentRuleSet(deps, scope),
    list: () => listRuleSets(deps),
    /** Saves a new version of a scope's rule set; concurrent saves get consecutive versions. */
    replace: (scope: string, body: RuleSetBody, actor: { apiKeyId: string | null }) =>
      replaceRuleSet(deps, scope, body, actor),
    simulate: (input: Simulate, caller: Caller) => simulate(deps, input, caller),
    /** What capture would reserve for a promise's lines now, and the delivery date it would promise. */
    captureChoice: (input: ChoiceInput) => captureChoice(deps, input),
    /**
     * Dates waiting orders from incoming units as their routing session would at capture: the
     * locations and carrier services are read once (cached), each order's date worked out from them.
     */
    incomingDelivery: (tx?: Executor) => incomingDeliveryFor(deps, tx),
    /** Forgets the cached locations (a location changed in this process). */
    forgetLocations: () => deps.cache.forgetLocations(),
    /** Orders and units per location for the days any location's "today" can be, for capacity. */
    usageSelect: () => usageSelect(clock),
    usage: (tx: Executor): Promise<UsageRow[]> => readUsage(tx, clock),
    /**
     * Prepares routing for one order: its destination, facts, rule set, the locations and carrier
     * services. The returned planner runs the evaluator on the candidates the engine locked.
     */
    session: (
      order: RoutedOrder,
      products: RoutedProduct[],
      usage: UsageRow[],
      options: { allowPartial: boolean; skipCostReview?: boolean },
      tx?: Executor,
    ) => openSession(deps, order, products, usage, options, tx),
  };
}
