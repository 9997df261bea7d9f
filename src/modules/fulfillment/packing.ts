import jsonLogic from 'json-logic-js';
import type { Packing } from '../../db/schema/fulfillment.js';
import { asLogic, conditionErrors, type FactCatalog } from '../rules/index.js';

/**
 * Packing rules are data: a versioned list of JSONLogic conditions over the facts of one shipment,
 * each adding instructions and materials (with quantities computed from the facts), plus carrier
 * preferences that rate shopping honours. Pure (no database, no HTTP): fulfillment applies it and the
 * rules API validates with the same code.
 */

export type ClimateBand = 'cold' | 'temperate' | 'hot';

/** What a packing rule or carrier preference can look at. */
export interface ShipmentFacts {
  tags: string[];
  units: number;
  line_count: number;
  weight_kg: number;
  transit_days: number;
  climate_band: ClimateBand;
  destination_country: string;
  service_level: string;
  gift: boolean;
  units_by_tag: Record<string, number>;
}

export type FactName = keyof ShipmentFacts;

/** One line per fact; typed so that adding a fact without documenting it fails to compile. */
export const factDescriptions: Readonly<Record<FactName, string>> = {
  tags: 'Union of the tags of the products in the shipment (an array of strings: use `in` or `some`)',
  units: 'Total units in the shipment',
  line_count: 'Number of shipment lines',
  weight_kg: 'Total weight of the units in kilograms (products without a weight count as 0)',
  transit_days: 'Business days in transit of the carrier service (the chosen one, or the fastest quoted)',
  climate_band:
    '`cold`, `temperate` or `hot`: the destination latitude and the season of the ship date (unknown latitude: `temperate`)',
  destination_country: 'ISO 3166-1 alpha-2 country of the ship-to address',
  service_level: '`standard`, `express` or `same_day`',
  gift: 'True when the order asks for gift handling',
  units_by_tag:
    'Units per product tag (an object: `{"var": "units_by_tag.perishable"}` is the perishable units, null when none)',
};

export const factNames = Object.keys(factDescriptions) as FactName[];

/** Plausible facts of one shipment: documentation, and what new rules are test-applied to. */
export const exampleFacts: ShipmentFacts = {
  tags: ['perishable', 'fragile'],
  units: 6,
  line_count: 2,
  weight_kg: 4.2,
  transit_days: 2,
  climate_band: 'hot',
  destination_country: 'US',
  service_level: 'express',
  gift: true,
  units_by_tag: { perishable: 4, fragile: 2 },
};

/**
 * The thinnest facts a shipment can have: a rule that only works on rich data (dividing by `units`,
 * reading `tags.0`) is refused when saved rather than failing at pack time.
 */
const sparseFacts: ShipmentFacts = {
  tags: [],
  units: 0,
  line_count: 0,
  weight_kg: 0,
  transit_days: 0,
  climate_band: 'temperate',
  destination_country: '',
  service_level: 'standard',
  gift: false,
  units_by_tag: {},
};

export const factCatalog: FactCatalog = { names: factNames, examples: [exampleFacts, sparseFacts] };

/** A constant, or a JSONLogic expression over the facts that evaluates to a number. */
export type Quantity = number | object;

export interface PackingRule {
  name: string;
  condition: unknown;
  instructions?: string[];
  materials?: Array<{ code: string; unit: string; quantity: Quantity }>;
}

export interface CarrierPreference {
  name: string;
  carrier: string;
  /** When set, only this service of the carrier is preferred. */
  service?: string;
  /** How much more (minor units) than the cheapest option the preferred one may cost. */
  tolerance: number;
}

export interface PackingRuleSetBody {
  rules: PackingRule[];
  carrier_preferences: Array<CarrierPreference & { condition: unknown }>;
}

/** A rule set as `packingFor` applies it: the version is recorded on the shipment's packing. */
export interface PackingRuleSet {
  version: number | null;
  body: PackingRuleSetBody;
}

export const emptyPackingRules = (): PackingRuleSetBody => ({ rules: [], carrier_preferences: [] });

// Month numbers (1-12) of summer and winter in the northern hemisphere; the south has them swapped.
const northernSummer = new Set([6, 7, 8]);
const northernWinter = new Set([12, 1, 2]);

/**
 * The climate a parcel travels into: the tropics (|lat| < 23.5) are hot and the polar regions
 * (|lat| >= 60) cold all year; between them the season of `date` (YYYY-MM-DD) decides: summer hot,
 * winter cold, spring and autumn temperate. An unknown latitude is temperate.
 */
export function climateBand(latitude: number | null, date: string): ClimateBand {
  if (latitude === null || !Number.isFinite(latitude)) {
    return 'temperate';
  }
  const distance = Math.abs(latitude);
  if (distance < 23.5) {
    return 'hot';
  }
  if (distance >= 60) {
    return 'cold';
  }
  const month = Number(date.slice(5, 7));
  const north = latitude > 0;
  if ((north ? northernSummer : northernWinter).has(month)) {
    return 'hot';
  }
  if ((north ? northernWinter : northernSummer).has(month)) {
    return 'cold';
  }
  return 'temperate';
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function holds(condition: unknown, facts: ShipmentFacts): boolean {
  return jsonLogic.truthy(jsonLogic.apply(asLogic(condition), facts));
}

/** A quantity on these facts, or why it has none (not a finite number). */
function evaluateQuantity(quantity: unknown, facts: ShipmentFacts): number | string {
  let value: unknown = quantity;
  if (typeof quantity === 'object' && quantity !== null) {
    try {
      value = jsonLogic.apply(asLogic(quantity), facts);
    } catch (err) {
      return `fails on shipment facts: ${message(err)}`;
    }
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  const shown = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return `must evaluate to a finite number, not ${shown}${
    typeof value === 'number' || value === null
      ? ' (an entry the facts lack reads as null: give a default, {"var": ["units_by_tag.perishable", 0]})'
      : ''
  }`;
}

/**
 * Negative amounts are nothing; fractions round up to the cent-like 0.01 so a rule never asks for
 * less than it computed. `toFixed(6)` first drops float noise (0.1 * 3 is 0.30000000000000004).
 */
export function roundQuantity(value: number): number {
  if (!(value > 0)) {
    return 0;
  }
  return Math.ceil(Number((value * 100).toFixed(6))) / 100;
}

export interface PackingResult {
  packing: Packing;
  preferences: CarrierPreference[];
  /**
   * Conditions that threw and quantities that were not numbers on these facts (such a rule does not
   * match; such a material is listed with quantity 0). Saved rules were test-applied, so this is rare,
   * but callers should log it.
   */
  errors: Array<{ pointer: string; detail: string }>;
}

/**
 * What the rule set asks of one shipment: every rule whose condition holds adds its instructions and
 * materials, in rule order (the same material from two rules is listed twice, once per rule); the
 * carrier preferences whose condition holds are returned in order, for rate shopping.
 */
export function packingFor(ruleSet: PackingRuleSet, facts: ShipmentFacts): PackingResult {
  const errors: PackingResult['errors'] = [];
  const matches = (condition: unknown, pointer: string) => {
    try {
      return holds(condition, facts);
    } catch (err) {
      errors.push({ pointer, detail: message(err) });
      return false;
    }
  };
  const packing: Packing = { version: ruleSet.version, instructions: [], materials: [] };
  ruleSet.body.rules.forEach((rule, i) => {
    if (!matches(rule.condition, `/rules/${i}/condition`)) {
      return;
    }
    for (const text of rule.instructions ?? []) {
      packing.instructions.push({ rule: rule.name, text });
    }
    (rule.materials ?? []).forEach((material, j) => {
      const value = evaluateQuantity(material.quantity, facts);
      if (typeof value === 'string') {
        errors.push({ pointer: `/rules/${i}/materials/${j}/quantity`, detail: value });
      }
      packing.materials.push({
        rule: rule.name,
        code: material.code,
        quantity: typeof value === 'number' ? roundQuantity(value) : 0,
        unit: material.unit,
      });
    });
  });
  const preferences = ruleSet.body.carrier_preferences
    .filter((preference, i) => matches(preference.condition, `/carrier_preferences/${i}/condition`))
    .map(({ name, carrier, service, tolerance }) => ({
      name,
      carrier,
      ...(service === undefined ? {} : { service }),
      tolerance,
    }));
  return { packing, preferences, errors };
}

/**
 * Why a rule set body cannot be saved, as JSON pointers into it: conditions as `conditionErrors`
 * sees them, material quantities that are not a finite number on every example shipment, and names
 * used twice (instructions and materials carry the rule's name, so it must say which rule).
 */
export function packingRuleErrors(body: PackingRuleSetBody): Array<{ pointer: string; detail: string }> {
  const errors: Array<{ pointer: string; detail: string }> = [];
  const condition = (value: unknown, pointer: string) => {
    for (const detail of conditionErrors(value, factCatalog)) {
      errors.push({ pointer, detail });
    }
  };
  const uniqueNames = (items: Array<{ name: string }>, list: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.name)) {
        errors.push({
          pointer: `/${list}/${i}/name`,
          detail: `"${item.name}" is already the name of another entry`,
        });
      }
      seen.add(item.name);
    });
  };
  uniqueNames(body.rules, 'rules');
  body.rules.forEach((rule, i) => {
    condition(rule.condition, `/rules/${i}/condition`);
    (rule.materials ?? []).forEach((material, j) => {
      const pointer = `/rules/${i}/materials/${j}/quantity`;
      if (typeof material.quantity === 'number') {
        if (!Number.isFinite(material.quantity) || material.quantity < 0) {
          errors.push({ pointer, detail: 'must be a number of at least 0' });
        }
        return;
      }
      const problems = conditionErrors(material.quantity, factCatalog);
      if (problems.length > 0) {
        errors.push(...problems.map((detail) => ({ pointer, detail })));
        return;
      }
      // A quantity is only computed when its rule's condition holds, so it is tried on the examples
      // where it does (on all of them when it holds on none, which says little about the condition).
      const examples = factCatalog.examples as ShipmentFacts[];
      const relevant = examples.filter((example) => {
        try {
          return holds(rule.condition, example);
        } catch {
          return false;
        }
      });
      for (const example of relevant.length > 0 ? relevant : examples) {
        const value = evaluateQuantity(material.quantity, example);
        if (typeof value === 'string') {
          errors.push({ pointer, detail: `${value} for the facts ${JSON.stringify(example)}` });
          return;
        }
      }
    });
  });
  uniqueNames(body.carrier_preferences, 'carrier_preferences');
  body.carrier_preferences.forEach((preference, i) => {
    condition(preference.condition, `/carrier_preferences/${i}/condition`);
  });
  return errors;
}
