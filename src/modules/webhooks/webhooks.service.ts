import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { sqlState } from '../../db/pg-errors.js';
import { webhookAttempts, webhookSubscriptions } from '../../db/schema/index.js';
import { AppError, conflict, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { outgoingUrlProblem } from '../../http/url-guard.js';
import type { EventCatalog } from '../events/index.js';
import { generateSigningSecret } from './signing.js';
import {
  type CreateSubscription,
  type Delivery,
  limits,
  type Replay,
  type Subscription,
  type SubscriptionWithSecret,
  type UpdateSubscription,
} from './webhooks.schemas.js';

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

const present = (row: SubscriptionRow): Subscription => ({
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

/** How long the secret before a rotation keeps signing. */
const previousSecretHours = 24;

/**
 * True when subscription `s` wants event `e` (SQL aliases): a pattern matches its type, its channel
 * filter (if any) matches, and the event is not about `s` itself (a failing endpoint would otherwise
 * be sent the news of its own failures, forever).
 */
const wants = (s: string, e: string) =>
  sql.raw(`(${s}.channel IS NULL OR ${s}.channel = ${e}.channel)
    AND EXISTS (SELECT 1 FROM unnest(${s}.event_types) p
                 WHERE p = '*' OR p = ${e}.type OR (right(p, 2) = '.*' AND starts_with(${e}.type, left(p, -1))))
    AND NOT (${e}.resource_type = 'webhook_subscription' AND ${e}.resource_id = ${s}.id::text)`);

/** The sequencer's fan-out: one pending delivery per (numbered event, active subscription that wants it). */
export const webhookFanOut = (numbered: ReturnType<typeof sql.raw>) => sql`
  INSERT INTO webhook_deliveries (subscription_id, event_sequence)
  SELECT s.id, e.sequence
    FROM ${numbered} e JOIN webhook_subscriptions s ON s.active AND ${wants('s', 'e')}
   ORDER BY e.position, s.id
  RETURNING id`;

type DeliveryRow = {
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

export type WebhookService = ReturnType<typeof createWebhookService>;

export interface WebhookServiceDeps {
  db: Db;
  config: Config;
  /** Subscription patterns must match a known event type. */
  eventCatalog: Pick<EventCatalog, 'patternProblem'>;
}

export function createWebhookService({ db, config, eventCatalog }: WebhookServiceDeps) {
  /** The subscription if `caller` may see it (a channel-bound key sees its channel's only), else 404. */
  async function visible(id: string, caller: Caller, tx: Executor = db): Promise<SubscriptionRow> {
    const [row] = await tx
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

  /** Every problem with the fields given, by pointer; the channel a bound key may use is its own. */
  async function check(
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

  async function presentDeliveries(rows: DeliveryRow[]): Promise<Map<number, AttemptRow[]>> {
    const ids = rows.map((row) => Number(row.id));
    const byDelivery = new Map<number, AttemptRow[]>(ids.map((id) => [id, []]));
    if (ids.length > 0) {
      const attempts = await db
        .select()
        .from(webhookAttempts)
        .where(inArray(webhookAttempts.deliveryId, ids))
        .orderBy(webhookAttempts.deliveryId, webhookAttempts.id);
      for (const attempt of attempts) {
        byDelivery.get(attempt.deliveryId)?.push(attempt);
      }
    }
    return byDelivery;
  }

  const presentDelivery = (row: DeliveryRow, attempts: AttemptRow[]): Delivery => ({
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

  const deliveryColumns = sql`d.id, d.subscription_id, e.id AS event_id, e.type AS event_type,
    e.position AS event_position, e.occurred_at, d.origin, d.status, d.attempts, d.next_attempt_at,
    d.last_status, d.last_error, d.delivered_at, d.created_at`;

  async function loadDelivery(id: number, caller: Caller): Promise<{ row: DeliveryRow; active: boolean }> {
    const result = await db.execute<DeliveryRow & { active: boolean }>(sql`
      SELECT ${deliveryColumns}, s.active FROM webhook_deliveries d
        JOIN events e ON e.sequence = d.event_sequence
        JOIN webhook_subscriptions s ON s.id = d.subscription_id
       WHERE d.id = ${id} ${caller.channel === null ? sql`` : sql`AND s.channel = ${caller.channel}`}`);
    const row = result.rows[0];
    if (!row) {
      throw notFound(`Webhook delivery ${id}`);
    }
    return { row, active: row.active };
  }

  return {
    async create(input: CreateSubscription, caller: Caller): Promise<SubscriptionWithSecret> {
      const { channel } = await check(input, caller);
      const secret = generateSigningSecret();
      const [row] = await naming(() =>
        db
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
      return { ...present(row), secret };
    },

    async list(query: { limit: number; cursor?: string; active?: boolean }, caller: Caller) {
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
      return toPage(rows, query.limit, (row) => [row.id], present);
    },

    get: async (id: string, caller: Caller) => present(await visible(id, caller)),

    async update(id: string, input: UpdateSubscription, caller: Caller): Promise<Subscription> {
      await visible(id, caller);
      const { channel } = await check(input, caller);
      const enabling = input.active === true;
      const [row] = await naming(() =>
        db
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
      return present(row);
    },

    async remove(id: string, caller: Caller): Promise<void> {
      await visible(id, caller);
      await db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    },

    /** A new secret; the old one keeps signing (both signatures are sent) for 24 hours. */
    async rotateSecret(id: string, caller: Caller): Promise<SubscriptionWithSecret> {
      await visible(id, caller);
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
      return { ...present(row), secret };
    },

    /** The subscription's deliveries, newest first, each with its attempts. */
    async deliveries(
      id: string,
      query: { limit: number; cursor?: string; status?: Delivery['status'] },
      caller: Caller,
    ): Promise<Page<Delivery>> {
      await visible(id, caller);
      const before = decodeCursor(query.cursor, ['number']);
      const result = await db.execute<DeliveryRow>(sql`
        SELECT ${deliveryColumns} FROM webhook_deliveries d JOIN events e ON e.sequence = d.event_sequence
         WHERE d.subscription_id = ${id}
           ${query.status ? sql`AND d.status = ${query.status}` : sql``}
           ${before ? sql`AND d.id < ${Number(before[0])}` : sql``}
         ORDER BY d.id DESC
         LIMIT ${query.limit + 1}`);
      const attempts = await presentDeliveries(result.rows.slice(0, query.limit));
      return toPage(
        result.rows,
        query.limit,
        (row) => [Number(row.id)],
        (row) => presentDelivery(row, attempts.get(Number(row.id)) ?? []),
      );
    },

    /** Sends a delivery again as soon as a dispatcher is free, whatever its status. */
    async retry(deliveryId: number, caller: Caller): Promise<Delivery> {
      const { active } = await loadDelivery(deliveryId, caller);
      if (!active) {
        throw conflict('The subscription is disabled; enable it (PATCH active: true) before retrying');
      }
      // A delivery a dispatcher holds right now is left alone: its attempt is under way.
      await db.execute(sql`
        UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
         WHERE id = ${deliveryId} AND (locked_until IS NULL OR locked_until <= now())`);
      const { row } = await loadDelivery(deliveryId, caller);
      return presentDelivery(row, (await presentDeliveries([row])).get(Number(row.id)) ?? []);
    },

    /** Queues the numbered events in [from, to] that the subscription wants, in sequence order. */
    async replay(id: string, input: Replay, caller: Caller): Promise<{ deliveries: number }> {
      const subscription = await visible(id, caller);
      if (input.to_sequence < input.from_sequence) {
        throw invalid([{ in: 'body', pointer: '/to_sequence', detail: 'must not be below from_sequence' }]);
      }
      if (input.to_sequence - input.from_sequence >= limits.replayEvents) {
        throw invalid([
          {
            in: 'body',
            pointer: '/to_sequence',
            detail: `a replay covers at most ${limits.replayEvents} sequence numbers; split the range`,
          },
        ]);
      }
      if (!subscription.active) {
        throw conflict('The subscription is disabled; enable it (PATCH active: true) before replaying');
      }
      const result = await db.execute(sql`
        INSERT INTO webhook_deliveries (subscription_id, event_sequence, origin)
        SELECT s.id, e.sequence, 'replay'
          FROM events e JOIN webhook_subscriptions s ON s.id = ${id} AND ${wants('s', 'e')}
         WHERE e.position BETWEEN ${input.from_sequence} AND ${input.to_sequence}
         ORDER BY e.position`);
      return { deliveries: result.rowCount ?? 0 };
    },

    /**
     * Deletes finished deliveries (with their attempts) older than the retention, a batch at a time so
     * no statement runs long; pending ones stay whatever their age. Returns how many were deleted.
     */
    async purgeFinished(batch = 5000): Promise<number> {
      let total = 0;
      for (;;) {
        const result = await db.execute(sql`
          DELETE FROM webhook_deliveries WHERE id IN (
            SELECT id FROM webhook_deliveries
             WHERE status <> 'pending'
               AND updated_at < now() - make_interval(days => ${config.webhookRetentionDays})
             LIMIT ${batch})`);
        total += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < batch) {
          return total;
        }
      }
    },
  };
}
