import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { type AlertKind, type AlertRule, kindGuides, shipmentChecks } from './alert-rules.js';

/**
 * One set-based query per rule kind: the subjects whose condition holds at `now`. The alerts module
 * owns none of these tables; it only reads them (docs/architecture.md: reads are not writes).
 */

/** A subject whose condition holds, with the facts that make it hold. */
export interface Holding {
  subjectId: string;
  channel: string | null;
  details: Record<string, unknown>;
}

/**
 * Which subjects a query looks at: those named (re-checking their unresolved alerts), or those that
 * have no unresolved alert of the rule yet, at most `limit`, the longest-standing first.
 */
export type Scope = { only: string[] } | { unalerted: true; limit: number };

type KeyType = 'uuid' | 'bigint' | 'text';

interface Query {
  rule: AlertRule;
  now: Date;
  /** The condition on the subject's key that the scope adds. */
  scoped: (key: SQL, type: KeyType) => SQL;
}

const at = (time: Date) => sql`${time.toISOString()}::timestamptz`;
const before = (now: Date, minutes: number) => at(new Date(now.getTime() - minutes * 60_000));
const iso = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const and = (conditions: Array<SQL | undefined>) =>
  sql.join(
    conditions.filter((c): c is SQL => c !== undefined),
    sql` AND `,
  );
const oneOf = (column: SQL, values: readonly string[] | undefined) =>
  values === undefined ? undefined : sql`${column} = ANY(${sql.param(values)}::text[])`;

/** The channel, service level and priority filters of the order and shipment kinds. */
const orderFilters = (rule: AlertRule, table: 'o' | 's', channel: SQL) => [
  oneOf(channel, rule.channels),
  oneOf(sql.raw(`${table}.service_level::text`), rule.service_levels),
  rule.min_priority === undefined ? undefined : sql`${sql.raw(table)}.priority >= ${rule.min_priority}`,
];

/**
 * When an order entered its status: the first event of the run of its latest events that carry that
 * status (every order event but `order.routed` carries the order), else its last update.
 */
const statusSince = sql`coalesce(
  (SELECT min(e.occurred_at) FROM events e
    WHERE e.resource_type = 'order' AND e.resource_id = o.id::text
      AND e.data->'order'->>'status' = o.status::text
      AND e.sequence > coalesce((SELECT max(p.sequence) FROM events p
                                  WHERE p.resource_type = 'order' AND p.resource_id = o.id::text
                                    AND p.data->'order'->>'status' <> o.status::text), 0)),
  o.updated_at)`;

function orderStatus({ rule, now, scoped }: Query): SQL {
  const cutoff = before(now, rule.minutes ?? 0);
  return sql`SELECT o.id::text AS subject_id, c.code AS channel,
      jsonb_build_object('order_id', o.id, 'order_number', o.number, 'status', o.status,
                         'since', ${iso(sql`s.since`)}, 'minutes', ${rule.minutes ?? 0}::int) AS details
    FROM orders o
    JOIN channels c ON c.id = o.channel_id
    CROSS JOIN LATERAL (SELECT ${statusSince} AS since) s
   WHERE ${and([
     sql`o.status = ANY(${sql.param(rule.statuses ?? [])}::order_status[])`,
     sql`o.created_at <= ${cutoff}`,
     sql`s.since <= ${cutoff}`,
     ...orderFilters(rule, 'o', sql`c.code`),
     scoped(sql`o.id`, 'uuid'),
   ])}
   ORDER BY s.since, o.id`;
}

function shipmentOverdue({ rule, now, scoped }: Query): SQL {
  const checks = rule.checks ?? shipmentChecks;
  const shipBy = checks.includes('ship_by');
  const tracking = checks.includes('tracking');
  return sql`SELECT s.id::text AS subject_id, c.code AS channel,
      jsonb_build_object('shipment_id', s.id, 'shipment_number', s.number, 'order_id', o.id,
                         'order_number', o.number, 'status', s.status, 'location', l.code,
                         'ship_by', s.ship_by, 'last_update', ${iso(sql`u.last_update`)},
                         'reason', r.reason, 'hours', ${rule.hours ?? null}::int) AS details
    FROM shipments s
    JOIN orders o ON o.id = s.order_id
    JOIN channels c ON c.id = o.channel_id
    JOIN locations l ON l.id = s.location_id
    CROSS JOIN LATERAL (SELECT coalesce(
        (SELECT max((t->>'recorded_at')::timestamptz) FROM jsonb_array_elements(s.tracking) t),
        s.shipped_at, s.updated_at) AS last_update) u
    CROSS JOIN LATERAL (SELECT CASE
        WHEN ${shipBy} AND s.status IN ('pending', 'picking', 'packed')
             AND ${at(now)} >= s.ship_deadline THEN 'not_shipped'
        WHEN ${tracking} AND s.status IN ('shipped', 'in_transit', 'exception')
             AND u.last_update <= ${before(now, (rule.hours ?? 0) * 60)} THEN 'no_tracking_update'
      END AS reason) r
   WHERE ${and([
     sql`s.status IN ('pending', 'picking', 'packed', 'shipped', 'in_transit', 'exception')`,
     sql`r.reason IS NOT NULL`,
     ...orderFilters(rule, 's', sql`c.code`),
     scoped(sql`s.id`, 'uuid'),
   ])}
   ORDER BY s.ship_by, s.id`;
}

function deliveryLate({ rule, now, scoped }: Query): SQL {
  // Late once the promised day (UTC) is over, plus the grace hours.
  const cutoff = before(now, (rule.hours ?? 0) * 60);
  return sql`SELECT o.id::text AS subject_id, c.code AS channel,
      jsonb_build_object('order_id', o.id, 'order_number', o.number, 'status', o.status,
                         'promised_delivery_date', o.promised_delivery_date,
                         'hours', ${rule.hours ?? 0}::int) AS details
    FROM orders o
    JOIN channels c ON c.id = o.channel_id
   WHERE ${and([
     sql`o.promised_delivery_date < (${cutoff} AT TIME ZONE 'UTC')::date`,
     sql`o.status NOT IN ('delivered', 'partially_returned', 'returned', 'cancelled')`,
     ...orderFilters(rule, 'o', sql`c.code`),
     scoped(sql`o.id`, 'uuid'),
   ])}
   ORDER BY o.promised_delivery_date, o.id`;
}

function belowReorderPoint({ rule, scoped }: Query): SQL {
  return sql`SELECT p.sku || '@' || l.code AS subject_id, NULL::text AS channel,
      jsonb_build_object('sku', p.sku, 'location', l.code, 'on_hand', il.on_hand,
                         'reserved', il.reserved, 'reorder_point', il.reorder_point) AS details
    FROM inventory_levels il
    JOIN products p ON p.id = il.product_id
    JOIN locations l ON l.id = il.location_id
   WHERE ${and([
     sql`il.reorder_point IS NOT NULL AND il.on_hand < il.reorder_point`,
     sql`p.active AND l.active`,
     oneOf(sql`l.code`, rule.locations),
     scoped(sql`p.sku || '@' || l.code`, 'text'),
   ])}
   ORDER BY il.reorder_point - il.on_hand DESC, il.id`;
}

function feedStale({ rule, now, scoped }: Query): SQL {
  // Named locations are watched from their creation; otherwise only those that have sent a feed.
  const cutoff = before(now, (rule.hours ?? 0) * 60);
  return sql`SELECT l.code AS subject_id, NULL::text AS channel,
      jsonb_build_object('location', l.code, 'last_feed_at', ${iso(sql`f.last_feed_at`)},
                         'last_reference', f.last_reference, 'hours', ${rule.hours ?? 0}::int) AS details
    FROM locations l
    LEFT JOIN location_feeds f ON f.location_id = l.id
   WHERE ${and([
     sql`l.active`,
     sql`coalesce(f.last_feed_at, l.created_at) <= ${cutoff}`,
     rule.locations === undefined ? sql`f.location_id IS NOT NULL` : oneOf(sql`l.code`, rule.locations),
     scoped(sql`l.code`, 'text'),
   ])}
   ORDER BY coalesce(f.last_feed_at, l.created_at), l.id`;
}

function webhookFailing({ rule, now, scoped }: Query): SQL {
  return sql`SELECT w.id::text AS subject_id, w.channel,
      jsonb_build_object('subscription_id', w.id, 'failing_since', ${iso(sql`w.failing_since`)},
                         'minutes', ${rule.minutes ?? 0}::int) AS details
    FROM webhook_subscriptions w
   WHERE ${and([
     sql`w.active AND w.failing_since <= ${before(now, rule.minutes ?? 0)}`,
     oneOf(sql`w.channel`, rule.channels),
     scoped(sql`w.id`, 'uuid'),
   ])}
   ORDER BY w.failing_since, w.id`;
}

function holdAge({ rule, now, scoped }: Query): SQL {
  return sql`SELECT h.id::text AS subject_id, c.code AS channel,
      jsonb_build_object('hold_id', h.id, 'kind', h.kind, 'queue', h.queue, 'order_id', o.id,
                         'order_number', o.number, 'opened_at', ${iso(sql`h.created_at`)},
                         'assignee', h.assignee, 'hours', ${rule.hours ?? 0}::int) AS details
    FROM holds h
    JOIN orders o ON o.id = h.order_id
    JOIN channels c ON c.id = o.channel_id
   WHERE ${and([
     sql`h.status = 'open' AND h.created_at <= ${before(now, (rule.hours ?? 0) * 60)}`,
     oneOf(sql`h.queue`, rule.queues),
     oneOf(sql`c.code`, rule.channels),
     scoped(sql`h.id`, 'bigint'),
   ])}
   ORDER BY h.created_at, h.id`;
}

function connectorInbox({ rule, now, scoped }: Query): SQL {
  const recent = rule.hours === undefined ? undefined : sql`i.received_at > ${before(now, rule.hours * 60)}`;
  return sql`SELECT k.id::text AS subject_id, c.code AS channel,
      jsonb_build_object('connector_id', k.id, 'channel', c.code, 'shop_domain', k.shop_domain,
                         'entries', n.entries, 'newest_id', n.newest_id,
                         'newest_at', ${iso(sql`n.newest_at`)}, 'hours', ${rule.hours ?? null}::int) AS details
    FROM shopify_connectors k
    JOIN channels c ON c.id = k.channel_id
    CROSS JOIN LATERAL (SELECT count(*)::int AS entries, max(i.id) AS newest_id, max(i.received_at) AS newest_at
                          FROM shopify_inbox i
                         WHERE ${and([sql`i.channel_id = k.channel_id AND i.dismissed_at IS NULL`, recent])}) n
   WHERE ${and([sql`n.entries > 0`, oneOf(sql`c.code`, rule.channels), scoped(sql`k.id`, 'uuid')])}
   ORDER BY n.newest_at, k.id`;
}

const queries: Record<AlertKind, (query: Query) => SQL> = {
  order_status: orderStatus,
  shipment_overdue: shipmentOverdue,
  delivery_late: deliveryLate,
  below_reorder_point: belowReorderPoint,
  feed_stale: feedStale,
  webhook_failing: webhookFailing,
  hold_age: holdAge,
  connector_inbox: connectorInbox,
};

/** The subjects in `scope` for which the rule's condition holds at `now`. */
export async function holdingSubjects(
  tx: Executor,
  rule: AlertRule,
  now: Date,
  scope: Scope,
): Promise<Holding[]> {
  if ('only' in scope && scope.only.length === 0) {
    return [];
  }
  const subjectType = kindGuides[rule.kind].subject;
  const scoped = (key: SQL, type: KeyType) =>
    'only' in scope
      ? sql`${key} = ANY(${sql.param(scope.only)}::${sql.raw(type)}[])`
      : sql`NOT EXISTS (SELECT 1 FROM alerts a
              WHERE a.rule = ${rule.id} AND a.subject_type = ${subjectType}
                AND a.subject_id = (${key})::text AND a.status <> 'resolved')`;
  const query = queries[rule.kind]({ rule, now, scoped });
  const limited = 'only' in scope ? query : sql`${query} LIMIT ${scope.limit}`;
  const { rows } = await tx.execute<{
    subject_id: string;
    channel: string | null;
    details: Record<string, unknown>;
  }>(limited);
  return rows.map((row) => ({ subjectId: row.subject_id, channel: row.channel, details: row.details }));
}
