import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { webhookAttempts } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { iso } from './subscription-store.js';
import { type Delivery, limits } from './webhooks.schemas.js';

export type DeliveryRow = {
  id: string | number;
  subscription_id: string;
  event_id: string;
  event_type: string;
  event_position: string | number;
  occurred_at: string | Date;
  origin: 'event' | 'replay';
  status: Delivery['status'];
  attempts: number;
  next_attempt_at: string | Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | Date | null;
  created_at: string | Date;
};

type AttemptRow = typeof webhookAttempts.$inferSelect;

/** The columns of a `DeliveryRow`, from webhook_deliveries `d` joined to its event `e`. */
export const deliveryColumns = sql`d.id, d.subscription_id, e.id AS event_id, e.type AS event_type,
    e.position AS event_position, e.occurred_at, d.origin, d.status, d.attempts, d.next_attempt_at,
    d.last_status, d.last_error, d.delivered_at, d.created_at`;

/** `webhook_deliveries d JOIN events e`, by the event's key in its partition. */
export const eventOfDelivery = sql`events e ON e.sequence = d.event_sequence AND e.occurred_at = d.event_occurred_at`;

/**
 * The attempts of each delivery, oldest first. The deliveries' creation times bound the partitions to
 * read, a millisecond wider on each side (a Date drops the microseconds).
 */
export async function attemptsOf(db: Db, rows: DeliveryRow[]): Promise<Map<number, AttemptRow[]>> {
  const ids = rows.map((row) => Number(row.id));
  const byDelivery = new Map<number, AttemptRow[]>(ids.map((id) => [id, []]));
  if (ids.length > 0) {
    const times = rows.map((row) => new Date(row.created_at).getTime());
    const attempts = await db
      .select()
      .from(webhookAttempts)
      .where(
        and(
          inArray(webhookAttempts.deliveryId, ids),
          sql`${webhookAttempts.deliveryCreatedAt} >= ${new Date(Math.min(...times) - 1)}`,
          sql`${webhookAttempts.deliveryCreatedAt} < ${new Date(Math.max(...times) + 1)}`,
        ),
      )
      .orderBy(webhookAttempts.deliveryId, webhookAttempts.id);
    for (const attempt of attempts) {
      byDelivery.get(attempt.deliveryId)?.push(attempt);
    }
  }
  return byDelivery;
}

export const presentDelivery = (row: DeliveryRow, attempts: AttemptRow[]): Delivery => ({
  id: Number(row.id),
  subscription_id: row.subscription_id,
  event: {
    id: row.event_id,
    type: row.event_type,
    sequence: Number(row.event_position),
    occurred_at: new Date(row.occurred_at).toISOString(),
  },
  origin: row.origin,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
  last_status: row.last_status,
  last_error: row.last_error,
  delivered_at: iso(row.delivered_at),
  created_at: new Date(row.created_at).toISOString(),
  attempt_log: attempts.slice(-limits.attemptsShown).map((a) => ({
    attempt: a.attempt,
    started_at: a.startedAt.toISOString(),
    duration_ms: a.durationMs,
    status: a.status,
    error: a.error,
    response_excerpt: a.responseExcerpt,
    success: a.success,
  })),
});

/** The delivery with whether its subscription is active, if `caller` may see it; else 404. */
export async function visibleDelivery(
  db: Db,
  id: number,
  caller: Caller,
): Promise<{ row: DeliveryRow; active: boolean }> {
  const result = await db.execute<DeliveryRow & { active: boolean }>(sql`
    SELECT ${deliveryColumns}, s.active FROM webhook_deliveries d
      JOIN ${eventOfDelivery}
      JOIN webhook_subscriptions s ON s.id = d.subscription_id
     WHERE d.id = ${id} ${caller.channel === null ? sql`` : sql`AND s.channel = ${caller.channel}`}`);
  const row = result.rows[0];
  if (!row) {
    throw notFound(`Webhook delivery ${id}`);
  }
  return { row, active: row.active };
}
