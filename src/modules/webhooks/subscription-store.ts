import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { webhookSubscriptions } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { Subscription } from './webhooks.schemas.js';

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

export const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export const presentSubscription = (row: SubscriptionRow): Subscription => ({
  id: row.id,
  url: row.url,
  event_types: row.eventTypes,
  channel: row.channel,
  description: row.description,
  active: row.active,
  disabled_at: iso(row.disabledAt),
  disabled_reason: row.disabledReason,
  failing_since: iso(row.failingSince),
  previous_secret_expires_at:
    row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date()
      ? row.previousSecretExpiresAt.toISOString()
      : null,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/** The subscription if `caller` may see it (a channel-bound key sees its channel's only), else 404. */
export async function visibleSubscription(
  db: Executor,
  id: string,
  caller: Caller,
): Promise<SubscriptionRow> {
  const [row] = await db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.id, id),
        caller.channel === null ? undefined : eq(webhookSubscriptions.channel, caller.channel),
      ),
    );
  if (!row) {
    throw notFound(`Webhook subscription ${id}`);
  }
  return row;
}
