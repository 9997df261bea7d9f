import type { Demand } from '../allocation/index.js';
import type { RoutingFacts, RuleSet } from './rules.js';

/** What the routing evaluator decides on: the order's facts and demand, the candidates and the rule set. */

export interface RoutingCandidate {
  locationId: number;
  code: string;
  kind: 'warehouse' | 'store' | 'dropship';
  tags: string[];
  priority: number;
  country: string | null;
  /** Great-circle km to the destination; null when either place is unknown. */
  distanceKm: number | null;
  /** What the channel may sell here now, by product id. */
  available: ReadonlyMap<number, number>;
  /** Room left today; null is unlimited. */
  ordersLeft: number | null;
  unitsLeft: number | null;
  /** The location's next local day, when a full location takes orders again. */
  nextDay: string;
  /** Why its stock feed is too old to trust ("stale feed: ..."); null when it is fresh or unwatched. */
  staleFeed: string | null;
}

export interface ShipmentQuote {
  carrier: string;
  service: string;
  price: number;
  transitDays: number;
}

export interface RoutingInput {
  facts: RoutingFacts;
  demand: Demand[];
  skus: ReadonlyMap<number, string>;
  /** Grams per unit, by product id (0 when unknown). */
  weights: ReadonlyMap<number, number>;
  candidates: RoutingCandidate[];
  /** The carrier services able to take a shipment of this weight from this candidate. */
  quotes: (candidate: RoutingCandidate, weightGrams: number) => ShipmentQuote[];
  ruleSet: RuleSet;
  /** The channel backorders: the best partial plan is reserved when nothing covers every line. */
  allowPartial: boolean;
  /** A person accepted the decision: no cost review. */
  skipCostReview?: boolean;
}
