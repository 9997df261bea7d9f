import { sql } from 'drizzle-orm';
import { conflict } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import {
  attemptsOf,
  type DeliveryRow,
  deliveryColumns,
  eventOfDelivery,
  presentDelivery,
  visibleDelivery,
} from './delivery-store.js';
import type { WebhookDeps } from './deps.js';
import { visibleSubscription } from './subscription-store.js';
import type { Delivery } from './webhooks.schemas.js';

export interface DeliveryListQuery {
  limit: number;
  cursor?: string;
  status?: Delivery['status'];
}

/** The subscription's deliveries, newest first, each with its attempts. */
export async function listDeliveries(
  { db }: Pick<WebhookDeps, 'db'>,
  subscriptionId: string,
  query: DeliveryListQuery,
  caller: Caller,
): Promise<Page<Delivery>> {
  await visibleSubscription(db, subscriptionId, caller);
  const before = decodeCursor(query.cursor, ['number']);
  const result = await db.execute<DeliveryRow>(sql`
    SELECT ${deliveryColumns} FROM webhook_deliveries d JOIN ${eventOfDelivery}
     WHERE d.subscription_id = ${subscriptionId}
       ${query.status ? sql`AND d.status = ${query.status}` : sql``}
       ${before ? sql`AND d.id < ${Number(before[0])}` : sql``}
     ORDER BY d.id DESC
     LIMIT ${query.limit + 1}`);
  const attempts = await attemptsOf(db, result.rows.slice(0, query.limit));
  return toPage(
    result.rows,
    query.limit,
    (row) => [Number(row.id)],
    (row) => presentDelivery(row, attempts.get(Number(row.id)) ?? []),
  );
}

/** Sends a delivery again as soon as a dispatcher is free, whatever its status. */
export async function retryDelivery(
  { db }: Pick<WebhookDeps, 'db'>,
  deliveryId: number,
  caller: Caller,
): Promise<Delivery> {
  const { active } = await visibleDelivery(db, deliveryId, caller);
  if (!active) {
    throw conflict('The subscription is disabled; enable it (PATCH active: true) before retrying');
  }
  // A delivery a dispatcher holds right now is left alone: its attempt is under way. So is one whose
  // event a retention drop took meanwhile: the drop locks the event's partition, and a pending delivery
  // keeps it, so the event is there for as long as the delivery is pending.
  await db.execute(sql`
    UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), updated_at = now()
     WHERE d.id = ${deliveryId} AND (d.locked_until IS NULL OR d.locked_until <= now())
       AND EXISTS (SELECT 1 FROM events e
                    WHERE e.sequence = d.event_sequence AND e.occurred_at = d.event_occurred_at)`);
  const { row } = await visibleDelivery(db, deliveryId, caller);
  return presentDelivery(row, (await attemptsOf(db, [row])).get(Number(row.id)) ?? []);
}
