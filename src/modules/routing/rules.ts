/** The shape of routing rule sets: data the merchant edits, read by the evaluator. */

export const strategies = [
  'min_splits',
  'nearest',
  'lowest_cost',
  'fastest',
  'location_priority',
  'most_stock',
] as const;
export type Strategy = (typeof strategies)[number];

export interface Eligibility {
  kinds?: Array<'warehouse' | 'store' | 'dropship'>;
  /** A location must carry every one of these tags. */
  tags?: string[];
  /** Only these location codes. */
  include?: string[];
  exclude?: string[];
  max_distance_km?: number;
  same_country?: boolean;
}

export interface RoutingAction {
  eligible?: Eligibility;
  /** Applied in order: the first strategy decides, the next breaks ties, and so on. */
  ranking: Strategy[];
  split: { policy: 'none' } | { policy: 'allowed'; max_shipments: number };
  /** When the chosen plan costs more than the cheapest feasible one by more than this, a person decides. */
  cost_review_threshold?: number | null;
}

export interface RoutingRule {
  name: string;
  /** JSONLogic over the order facts. */
  condition: unknown;
  action: RoutingAction;
}

export interface RuleSetBody {
  rules: RoutingRule[];
  /** Applies when no rule matches. */
  fallback: RoutingAction;
}

export interface RuleSet {
  scope: string;
  /** 0 is the built-in rule set, used until one is saved. */
  version: number;
  body: RuleSetBody;
}

/** One location ships everything when it can; otherwise up to three shipments, nearest first. */
export const builtInRuleSet: RuleSet = {
  scope: '*',
  version: 0,
  body: {
    rules: [],
    fallback: {
      ranking: ['min_splits', 'location_priority', 'nearest'],
      split: { policy: 'allowed', max_shipments: 3 },
    },
  },
};

/** What routing conditions can test. */
export interface RoutingFacts {
  channel: string;
  destination_country: string;
  destination_region: string | null;
  order_value: number;
  currency: string;
  line_tags: string[];
  service_level: string;
  priority: number;
  line_count: number;
  unit_count: number;
  weight_grams: number;
}

export const routingFactNames: Array<keyof RoutingFacts> = [
  'channel',
  'destination_country',
  'destination_region',
  'order_value',
  'currency',
  'line_tags',
  'service_level',
  'priority',
  'line_count',
  'unit_count',
  'weight_grams',
];

export const exampleRoutingFacts: RoutingFacts = {
  channel: 'web',
  destination_country: 'US',
  destination_region: 'NY',
  order_value: 5223,
  currency: 'USD',
  line_tags: ['apparel'],
  service_level: 'standard',
  priority: 10,
  line_count: 2,
  unit_count: 3,
  weight_grams: 540,
};
