import { and, eq, sql } from 'drizzle-orm';
import { sqlState } from '../../db/pg-errors.js';
import { webhookSubscriptions } from '../../db/schema/index.js';
import { AppError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { outgoingUrlProblem } from '../../http/url-guard.js';
import type { WebhookDeps } from './deps.js';
import { generateSigningSecret } from './signing.js';
import { presentSubscription, visibleSubscription } from './subscription-store.js';
import type {
  CreateSubscription,
  Subscription,
  SubscriptionWithSecret,
  UpdateSubscription,
} from './webhooks.schemas.js';

export interface SubscriptionListQuery {
  limit: number;
  cursor?: string;
  active?: boolean;
}

/** Every problem with the fields given, by pointer; the channel a bound key may use is its own. */
async function check(
  { config, eventCatalog }: Pick<WebhookDeps, 'config' | 'eventCatalog'>,
  input: UpdateSubscription,
  caller: Caller,
): Promise<{ channel: string | null | undefined }> {
  const errors: FieldError[] = [];
  if (input.url !== undefined) {
    const problem = await outgoingUrlProblem(input.url, config.webhookAllowPrivate);
    if (problem) {
      errors.push({ in: 'body', pointer: '/url', detail: problem });
    }
  }
  input.event_types?.forEach((pattern, i) => {
    const problem = eventCatalog.patternProblem(pattern);
    if (problem) {
      errors.push({ in: 'body', pointer: `/event_types/${i}`, detail: problem });
    }
  });
  let channel = input.channel;
  if (caller.channel !== null) {
    if (channel !== undefined && channel !== caller.channel) {
      errors.push({
        in: 'body',
        pointer: '/channel',
        detail: `a key bound to channel "${caller.channel}" may only subscribe to that channel`,
      });
    }
    channel = caller.channel;
  }
  if (errors.length > 0) {
    throw invalid(errors, 'The subscription has invalid fields; nothing was saved');
  }
  return { channel };
}

/** A write naming an unknown channel fails its foreign key: say which field is wrong. */
async function naming<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (sqlState(err) === '23503') {
      throw invalid([{ in: 'body', pointer: '/channel', detail: 'is not a known channel' }]);
    }
    throw err;
  }
}

export async function createSubscription(
  deps: Pick<WebhookDeps, 'db' | 'config' | 'eventCatalog'>,
  input: CreateSubscription,
  caller: Caller,
): Promise<SubscriptionWithSecret> {
  const { channel } = await check(deps, input, caller);
  const secret = generateSigningSecret();
  const [row] = await naming(() =>
    deps.db
      .insert(webhookSubscriptions)
      .values({
        url: input.url,
        eventTypes: input.event_types,
        channel: channel ?? null,
        description: input.description ?? null,
        active: input.active ?? true,
        secret,
      })
      .returning(),
  );
  if (!row) {
    throw new AppError('internal', 'The subscription was not saved');
  }
  return { ...presentSubscription(row), secret };
}

export async function listSubscriptions(
  { db }: Pick<WebhookDeps, 'db'>,
  query: SubscriptionListQuery,
  caller: Caller,
): Promise<Page<Subscription>> {
  const after = decodeCursor(query.cursor, ['string']);
  const rows = await db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        caller.channel === null ? undefined : eq(webhookSubscriptions.channel, caller.channel),
        query.active === undefined ? undefined : eq(webhookSubscriptions.active, query.active),
        after ? sql`${webhookSubscriptions.id} > ${String(after[0])}` : undefined,
      ),
    )
    .orderBy(webhookSubscriptions.id)
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.id], presentSubscription);
}

export async function getSubscription(
  { db }: Pick<WebhookDeps, 'db'>,
  id: string,
  caller: Caller,
): Promise<Subscription> {
  return presentSubscription(await visibleSubscription(db, id, caller));
}

export async function updateSubscription(
  deps: Pick<WebhookDeps, 'db' | 'config' | 'eventCatalog'>,
  id: string,
  input: UpdateSubscription,
  caller: Caller,
): Promise<Subscription> {
  await visibleSubscription(deps.db, id, caller);
  const { channel } = await check(deps, input, caller);
  const enabling = input.active === true;
  const [row] = await naming(() =>
    deps.db
      .update(webhookSubscriptions)
      .set({
        url: input.url,
        eventTypes: input.event_types,
        channel,
        description: input.description,
        active: input.active,
        ...(enabling ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(webhookSubscriptions.id, id))
      .returning(),
  );
  if (!row) {
    throw notFound(`Webhook subscription ${id}`);
  }
  return presentSubscription(row);
}

export async function removeSubscription(
  { db }: Pick<WebhookDeps, 'db'>,
  id: string,
  caller: Caller,
): Promise<void> {
  await visibleSubscription(db, id, caller);
  // Its deliveries go by the foreign key's cascade; their attempts, which have no foreign key (it would
  // block dropping partitions), go here, first, in the same transaction.
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      DELETE FROM webhook_attempts a USING webhook_deliveries d
       WHERE d.subscription_id = ${id} AND a.delivery_id = d.id AND a.delivery_created_at = d.created_at`);
    await tx.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
  });
}
