import { type SQL, sql } from 'drizzle-orm';

/**
 * True when subscription `s` wants event `e` (SQL aliases): a pattern matches its type, its channel
 * filter (if any) matches, and the event is not about `s` itself (a failing endpoint would otherwise
 * be sent the news of its own failures, forever).
 */
export const wants = (s: string, e: string) =>
  sql.raw(`(${s}.channel IS NULL OR ${s}.channel = ${e}.channel)
    AND EXISTS (SELECT 1 FROM unnest(${s}.event_types) p
                 WHERE p = '*' OR p = ${e}.type OR (right(p, 2) = '.*' AND starts_with(${e}.type, left(p, -1))))
    AND NOT (${e}.resource_type = 'webhook_subscription' AND ${e}.resource_id = ${s}.id::text)`);

/** The sequencer's fan-out: one pending delivery per (numbered event, active subscription that wants it). */
export const webhookFanOut = (numbered: SQL) => sql`
  INSERT INTO webhook_deliveries (subscription_id, event_sequence, event_occurred_at)
  SELECT s.id, e.sequence, e.occurred_at
    FROM ${numbered} e JOIN webhook_subscriptions s ON s.active AND ${wants('s', 'e')}
   ORDER BY e.position, s.id
  RETURNING id`;
