import jsonLogic from 'json-logic-js';
import { asLogic, conditionErrors } from '../rules/index.js';

/**
 * Fraud scoring is data: a versioned list of JSONLogic conditions over the facts of one order, each
 * with a weight and a reason. This file is pure (no database, no HTTP) so the orders module can
 * score an order and the rules API can validate a rule set with the same code.
 */

/** What a fraud rule can look at. Money is in integer minor units of `currency`. */
export interface FraudFacts {
  total: number;
  currency: string;
  subtotal: number;
  channel: string;
  service_level: 'standard' | 'express' | 'same_day';
  shipping_country: string;
  billing_country: string | null;
  countries_differ: boolean;
  avs_result: string | null;
  cvv_result: string | null;
  payment_method: string | null;
  first_order_of_email: boolean;
  orders_from_email_last_hour: number;
  orders_from_address_last_hour: number;
  max_sku_quantity: number;
  line_count: number;
  unit_count: number;
  tags: string[];
}

export type FactName = keyof FraudFacts;

/** One line of documentation per fact; typed so that adding a fact without documenting it fails to compile. */
export const factDescriptions: Readonly<Record<FactName, string>> = {
  total: 'Order total in minor units (integer)',
  currency: 'ISO 4217 currency code of the order',
  subtotal: 'Sum of the line amounts before shipping, tax and discounts, in minor units (integer)',
  channel: 'Code of the channel the order came from',
  service_level: '`standard`, `express` or `same_day`',
  shipping_country: 'ISO 3166-1 alpha-2 country of the ship-to address',
  billing_country: 'ISO 3166-1 alpha-2 country of the billing address, or null when none was given',
  countries_differ: 'True when a billing country was given and differs from the shipping country',
  avs_result: "The payment processor's address verification result code, or null",
  cvv_result: "The payment processor's card security code result, or null",
  payment_method: 'How the order was paid (for example `card`, `paypal`, `invoice`), or null',
  first_order_of_email: 'True when no earlier order used this customer email',
  orders_from_email_last_hour:
    'Orders placed with this customer email in the hour before this one, counted up to 100',
  orders_from_address_last_hour:
    'Orders shipped to this address placed in the hour before this one, counted up to 100',
  max_sku_quantity: 'The largest quantity of any one SKU in the order',
  line_count: 'Number of order lines',
  unit_count: 'Total units across all lines',
  tags: 'Tags of the order (an array of strings: use `in` or `some`)',
};

export const factNames = Object.keys(factDescriptions) as FactName[];

/** Plausible facts of one order: documentation, and what new rules are test-applied to. */
export const exampleFacts: FraudFacts = {
  total: 45_900,
  currency: 'USD',
  subtotal: 42_000,
  channel: 'web',
  service_level: 'express',
  shipping_country: 'US',
  billing_country: 'CA',
  countries_differ: true,
  avs_result: 'N',
  cvv_result: 'M',
  payment_method: 'card',
  first_order_of_email: true,
  orders_from_email_last_hour: 2,
  orders_from_address_last_hour: 3,
  max_sku_quantity: 4,
  line_count: 2,
  unit_count: 5,
  tags: ['gift'],
};

/**
 * The thinnest facts an order can have (every nullable fact null, nothing in the arrays): a condition
 * that only works on rich data (`{"in": ["x", {"var": "billing_country"}]}` throws on null in
 * json-logic-js) is refused when saved rather than failing at order capture.
 */
const sparseFacts: FraudFacts = {
  total: 0,
  currency: 'USD',
  subtotal: 0,
  channel: '',
  service_level: 'standard',
  shipping_country: '',
  billing_country: null,
  countries_differ: false,
  avs_result: null,
  cvv_result: null,
  payment_method: null,
  first_order_of_email: false,
  orders_from_email_last_hour: 0,
  orders_from_address_last_hour: 0,
  max_sku_quantity: 0,
  line_count: 0,
  unit_count: 0,
  tags: [],
};

export interface FraudRule {
  /** A JSONLogic expression over FraudFacts, or a boolean literal. */
  condition: unknown;
  weight: number;
  reason: string;
}

export interface FraudRuleSet {
  version: number;
  rules: FraudRule[];
  review_threshold: number;
  reject_threshold: number;
}

export type FraudDecision = 'accept' | 'review' | 'reject';

export interface FraudAssessment {
  score: number;
  /** The rule set version that produced this score, for the order's audit trail. */
  version: number;
  decision: FraudDecision;
  /** The reasons of the rules that fired, in rule order. */
  reasons: string[];
  /**
   * Rules whose condition threw on these facts (index into `rules` and the message). Such a rule
   * counts as not firing; saved rules were test-applied, so this is rare, but callers should log it.
   */
  errors: Array<{ rule: number; detail: string }>;
}

/** What applies until a rule set is saved. */
export const defaultFraudRuleSet: FraudRuleSet = {
  version: 0,
  rules: [],
  review_threshold: 50,
  reject_threshold: 100,
};

/** Reject at or above the reject threshold, else review at or above the review threshold, else accept. */
export function decide(
  score: number,
  ruleSet: Pick<FraudRuleSet, 'review_threshold' | 'reject_threshold'>,
): FraudDecision {
  if (score >= ruleSet.reject_threshold) {
    return 'reject';
  }
  return score >= ruleSet.review_threshold ? 'review' : 'accept';
}

/** Sums the weights of the rules whose condition is truthy (JSONLogic truthiness) and decides. */
export function evaluateFraud(facts: FraudFacts, ruleSet: FraudRuleSet): FraudAssessment {
  let score = 0;
  const reasons: string[] = [];
  const errors: FraudAssessment['errors'] = [];
  ruleSet.rules.forEach((rule, i) => {
    let fired: boolean;
    try {
      fired = jsonLogic.truthy(jsonLogic.apply(asLogic(rule.condition), facts));
    } catch (err) {
      errors.push({ rule: i, detail: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (fired) {
      score += rule.weight;
      reasons.push(rule.reason);
    }
  });
  return { score, version: ruleSet.version, decision: decide(score, ruleSet), reasons, errors };
}

/**
 * Why each rule's condition cannot be saved, as JSON pointers into a rule set body
 * (`/rules/2/condition`): see `conditionErrors`; conditions must also evaluate on the sparsest facts
 * an order can have.
 */
export function ruleErrors(rules: readonly FraudRule[]): Array<{ pointer: string; detail: string }> {
  return rules.flatMap((rule, i) =>
    conditionErrors(rule.condition, { names: factNames, examples: [exampleFacts, sparseFacts] }).map(
      (detail) => ({
        pointer: `/rules/${i}/condition`,
        detail,
      }),
    ),
  );
}
