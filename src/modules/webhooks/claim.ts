import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type EventRow, eventColumns, presentEvent } from '../events/index.js';

/** A claimed delivery with what its request needs. */
export interface Job {
  id: number;
  /**
   * The delivery's `created_at` as the database prints it (a JavaScript Date would drop its
   * microseconds): with `id`, the delivery's key in its partition.
   */
  createdAt: string;
  claim: string;
  attempts: number;
  subscriptionId: string;
  url: string;
  secrets: string[];
  body: string;
  eventId: string;
  eventType: string;
  eventPosition: number;
}

type ClaimedRow = EventRow & {
  delivery_id: string;
  created_at: string;
  claim: string;
  attempts: number;
  subscription_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
};

/**
 * Claims up to `limit` due deliveries of active subscriptions in one statement (FOR UPDATE SKIP LOCKED,
 * so processes never claim the same one), each for `leaseMs`: the claims of a crashed process come
 * back once their lease runs out. Fair: each subscription gets at most `perSubscription` attempts under
 * way (its live claims, over all processes, count), and the batch takes every subscription's oldest due
 * delivery before anyone's second, so a slow or failing receiver never holds the others back.
 * Deliveries and events are found by their partitioned keys (id with created_at, sequence with
 * occurred_at), so each lookup reads the one partition that holds the row.
 */
export async function claimDue(
  db: Db,
  { leaseMs, limit, perSubscription }: { leaseMs: number; limit: number; perSubscription: number },
): Promise<Job[]> {
  const result = await db.execute<ClaimedRow>(sql`
    WITH claimed AS (
      UPDATE webhook_deliveries d
         SET claim = gen_random_uuid(), locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
             updated_at = now()
       WHERE (d.id, d.created_at) IN (
         SELECT d2.id, d2.created_at FROM webhook_deliveries d2
          WHERE (d2.id, d2.created_at) IN (
            SELECT due.id, due.created_at FROM webhook_subscriptions s
             CROSS JOIN LATERAL (
               SELECT d3.id, d3.created_at, d3.next_attempt_at,
                      row_number() OVER (ORDER BY d3.next_attempt_at, d3.id) AS turn
                 FROM webhook_deliveries d3
                WHERE d3.subscription_id = s.id AND d3.status = 'pending' AND d3.next_attempt_at <= now()
                  AND (d3.locked_until IS NULL OR d3.locked_until <= now())
                ORDER BY d3.next_attempt_at, d3.id
                LIMIT greatest(0, ${perSubscription} - (
                  SELECT count(*) FROM webhook_deliveries live
                   WHERE live.subscription_id = s.id AND live.status = 'pending'
                     AND live.locked_until IS NOT NULL AND live.locked_until > now()))
             ) due
             WHERE s.active
             ORDER BY due.turn, due.next_attempt_at, due.id
             LIMIT ${limit})
            -- Checked again on the locked row: one another process claimed after this statement began is left.
            AND d2.status = 'pending' AND (d2.locked_until IS NULL OR d2.locked_until <= now())
          FOR UPDATE OF d2 SKIP LOCKED)
      RETURNING d.id, d.created_at, d.claim, d.attempts, d.subscription_id, d.event_sequence, d.event_occurred_at)
    SELECT c.id AS delivery_id, c.created_at::text AS created_at, c.claim, c.attempts, c.subscription_id, s.url, s.secret,
           CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END AS previous_secret,
           ${eventColumns(sql.raw('e'))}
      FROM claimed c
      JOIN webhook_subscriptions s ON s.id = c.subscription_id
      JOIN events e ON e.sequence = c.event_sequence AND e.occurred_at = c.event_occurred_at
     ORDER BY e.position`);
  return result.rows.map((row) => {
    const event = presentEvent(row);
    return {
      id: Number(row.delivery_id),
      createdAt: row.created_at,
      claim: row.claim,
      attempts: row.attempts,
      subscriptionId: row.subscription_id,
      url: row.url,
      secrets: row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
      body: JSON.stringify(event),
      eventId: event.id,
      eventType: event.type,
      eventPosition: event.sequence,
    };
  });
}
