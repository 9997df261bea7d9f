import type { orderStatuses, serviceLevels } from '../../db/schema/orders.js';
import type { FieldError } from '../../errors.js';

/**
 * Exception alerts are data: a versioned list of rules, each of one kind with its parameters. This file
 * is pure (no database, no HTTP): what each kind watches and takes, the default set, and the checks a
 * rule set must pass beyond its JSON schema (which already bounds every number and names every status).
 */

export const alertKinds = [
  'order_status',
  'shipment_overdue',
  'delivery_late',
  'below_reorder_point',
  'feed_stale',
  'webhook_failing',
  'hold_age',
  'connector_inbox',
] as const;
export type AlertKind = (typeof alertKinds)[number];

export const subjectTypes = [
  'order',
  'shipment',
  'inventory_level',
  'location',
  'webhook_subscription',
  'hold',
  'connector',
] as const;
export type SubjectType = (typeof subjectTypes)[number];

export const shipmentChecks = ['ship_by', 'tracking'] as const;

/** A rule as given; saved with `enabled` always present (true unless given). */
export interface AlertRule {
  id: string;
  kind: AlertKind;
  enabled?: boolean;
  description?: string;
  statuses?: Array<(typeof orderStatuses)[number]>;
  minutes?: number;
  hours?: number;
  checks?: Array<(typeof shipmentChecks)[number]>;
  queues?: string[];
  locations?: string[];
  channels?: string[];
  service_levels?: Array<(typeof serviceLevels)[number]>;
  min_priority?: number;
}

export type Parameter = Exclude<keyof AlertRule, 'id' | 'kind' | 'enabled' | 'description'>;

export interface KindGuide {
  subject: SubjectType;
  watches: string;
  required: readonly Parameter[];
  optional: readonly Parameter[];
}

const orderFilters = ['channels', 'service_levels', 'min_priority'] as const;

/** What each kind watches, the subject its alerts are about, and the parameters it takes. */
export const kindGuides: Readonly<Record<AlertKind, KindGuide>> = {
  order_status: {
    subject: 'order',
    watches: 'An order has been in one of `statuses` for more than `minutes`',
    required: ['statuses', 'minutes'],
    optional: orderFilters,
  },
  shipment_overdue: {
    subject: 'shipment',
    watches:
      'A shipment not shipped by the end of its `ship_by` day (in its location’s time zone), or shipped with no tracking update for more than `hours` (`checks` picks either; both by default)',
    required: [],
    optional: ['hours', 'checks', ...orderFilters],
  },
  delivery_late: {
    subject: 'order',
    watches: 'An order not yet delivered more than `hours` after the end of its promised delivery date (UTC)',
    required: ['hours'],
    optional: orderFilters,
  },
  below_reorder_point: {
    subject: 'inventory_level',
    watches: 'A SKU at a location has fewer units on hand than its reorder point',
    required: [],
    optional: ['locations'],
  },
  feed_stale: {
    subject: 'location',
    watches:
      'No inventory feed (adjustment or count) has arrived from an active location for more than `hours`; without `locations`, only locations that have sent a feed are watched',
    required: ['hours'],
    optional: ['locations'],
  },
  webhook_failing: {
    subject: 'webhook_subscription',
    watches: 'An active webhook subscription’s deliveries have been failing for more than `minutes`',
    required: ['minutes'],
    optional: ['channels'],
  },
  hold_age: {
    subject: 'hold',
    watches: 'A hold has been open for more than `hours` (in one of `queues`, or any queue)',
    required: ['hours'],
    optional: ['queues', 'channels'],
  },
  connector_inbox: {
    subject: 'connector',
    watches:
      'A channel connector’s dead-letter inbox holds deliveries it could not read that nobody dismissed (received within the last `hours`, or any)',
    required: [],
    optional: ['hours', 'channels'],
  },
};

const parameters: readonly Parameter[] = [
  'statuses',
  'minutes',
  'hours',
  'checks',
  'queues',
  'locations',
  'channels',
  'service_levels',
  'min_priority',
];

/** What applies until a rule set is saved (version 0). */
export const defaultAlertRules: readonly AlertRule[] = [
  {
    id: 'order-not-allocated',
    kind: 'order_status',
    enabled: true,
    description: 'Orders that neither allocated nor went on hold or backorder within an hour',
    statuses: ['received', 'validated'],
    minutes: 60,
  },
  {
    id: 'order-not-released',
    kind: 'order_status',
    enabled: true,
    description: 'Allocated orders that did not reach their locations within four hours',
    statuses: ['allocated'],
    minutes: 240,
  },
  { id: 'shipment-overdue', kind: 'shipment_overdue', enabled: true, hours: 72 },
  { id: 'delivery-late', kind: 'delivery_late', enabled: true, hours: 0 },
  { id: 'below-reorder-point', kind: 'below_reorder_point', enabled: true },
  { id: 'feed-stale', kind: 'feed_stale', enabled: true, hours: 24 },
  { id: 'webhook-failing', kind: 'webhook_failing', enabled: true, minutes: 60 },
  { id: 'hold-aging', kind: 'hold_age', enabled: true, hours: 24 },
  { id: 'connector-inbox', kind: 'connector_inbox', enabled: true },
];

/** Codes and names a rule refers to that exist outside the rule set, for the checks below. */
export interface KnownNames {
  queues: readonly string[];
  channels: ReadonlySet<string>;
  locations: ReadonlySet<string>;
}

/** The codes a rule set names, to look up before checking it. */
export const namedCodes = (rules: readonly AlertRule[]) => ({
  channels: [...new Set(rules.flatMap((rule) => rule.channels ?? []))],
  locations: [...new Set(rules.flatMap((rule) => rule.locations ?? []))],
});

function parameterErrors(rule: AlertRule, at: string): FieldError[] {
  const guide = kindGuides[rule.kind];
  const errors: FieldError[] = [];
  for (const name of parameters) {
    const given = rule[name] !== undefined;
    if (given && !guide.required.includes(name) && !guide.optional.includes(name)) {
      errors.push({ in: 'body', pointer: `${at}/${name}`, detail: `does not apply to kind ${rule.kind}` });
    }
    if (!given && guide.required.includes(name)) {
      errors.push({ in: 'body', pointer: `${at}/${name}`, detail: `is required for kind ${rule.kind}` });
    }
  }
  if (rule.kind === 'shipment_overdue' && (rule.checks ?? shipmentChecks).includes('tracking')) {
    if (rule.hours === undefined) {
      errors.push({ in: 'body', pointer: `${at}/hours`, detail: 'is required when `checks` has tracking' });
    }
  }
  return errors;
}

function nameErrors(rule: AlertRule, at: string, known: KnownNames): FieldError[] {
  const unknown = (field: 'queues' | 'channels' | 'locations', isKnown: (name: string) => boolean) =>
    (rule[field] ?? []).flatMap((name, j) =>
      isKnown(name)
        ? []
        : [
            {
              in: 'body' as const,
              pointer: `${at}/${field}/${j}`,
              detail: `"${name}" is not a known ${field.slice(0, -1)}`,
            },
          ],
    );
  return [
    ...unknown('queues', (name) => known.queues.includes(name)),
    ...unknown('channels', (name) => known.channels.has(name)),
    ...unknown('locations', (name) => known.locations.has(name)),
  ];
}

/**
 * Why a rule set cannot be saved, as JSON pointers into its body: a duplicate id, a parameter the kind
 * does not take or lacks, a queue, channel or location that does not exist.
 */
export function ruleSetErrors(rules: readonly AlertRule[], known: KnownNames): FieldError[] {
  const firstOf = new Map<string, number>();
  return rules.flatMap((rule, i) => {
    const at = `/rules/${i}`;
    const first = firstOf.get(rule.id);
    firstOf.set(rule.id, first ?? i);
    const duplicate: FieldError[] =
      first === undefined
        ? []
        : [{ in: 'body', pointer: `${at}/id`, detail: `"${rule.id}" is the id of rule ${first} too` }];
    return [...duplicate, ...parameterErrors(rule, at), ...nameErrors(rule, at, known)];
  });
}

/** The rule as stored: only the fields it was given, `enabled` always. */
export const normalizeRule = (rule: AlertRule): AlertRule => ({
  ...(Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== undefined)) as AlertRule),
  enabled: rule.enabled ?? true,
});
