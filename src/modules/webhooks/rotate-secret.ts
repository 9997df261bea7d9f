import { eq, sql } from 'drizzle-orm';
import { webhookSubscriptions } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { WebhookDeps } from './deps.js';
import { generateSigningSecret } from './signing.js';
import { presentSubscription, visibleSubscription } from './subscription-store.js';
import type { SubscriptionWithSecret } from './webhooks.schemas.js';

/** How long the secret before a rotation keeps signing. */
const previousSecretHours = 24;

/** A new secret; the old one keeps signing (both signatures are sent) for 24 hours. */
export async function rotateSecret(
  { db }: Pick<WebhookDeps, 'db'>,
  id: string,
  caller: Caller,
): Promise<SubscriptionWithSecret> {
  await visibleSubscription(db, id, caller);
  const secret = generateSigningSecret();
  const [row] = await db
    .update(webhookSubscriptions)
    .set({
      previousSecret: sql`${webhookSubscriptions.secret}`,
      previousSecretExpiresAt: sql`now() + make_interval(hours => ${previousSecretHours})`,
      secret,
      updatedAt: sql`now()`,
    })
    .where(eq(webhookSubscriptions.id, id))
    .returning();
  if (!row) {
    throw notFound(`Webhook subscription ${id}`);
  }
  return { ...presentSubscription(row), secret };
}
