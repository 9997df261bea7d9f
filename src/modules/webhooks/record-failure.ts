import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Tx } from '../../db/client.js';
import { appendEvents } from '../events/index.js';
import type { Outcome } from './attempt.js';
import type { Job } from './claim.js';
import type { WebhookDeps } from './deps.js';

type EventSubscription = { id: string; url: string; channel: string | null };

/**
 * Records the attempt and schedules the next one, or exhausts the delivery past the schedule. The
 * delay after the n-th failed attempt is schedule[n] (1-based) with ±20% jitter, or what Retry-After
 * asked for. Undefined when the lease ran out and another dispatcher owns the delivery now.
 */
async function scheduleRetry(
  tx: Tx,
  schedule: readonly number[],
  job: Job,
  outcome: Outcome,
): Promise<{ status: string; attempts: number } | undefined> {
  await tx.execute(sql`
    INSERT INTO webhook_attempts (delivery_id, delivery_created_at, attempt, started_at, duration_ms, status, error,
                                  response_excerpt, success)
    VALUES (${job.id}, ${job.createdAt}::timestamptz, ${job.attempts + 1}, ${outcome.startedAt.toISOString()}, ${outcome.durationMs},
            ${outcome.status}, ${outcome.error}, ${outcome.excerpt}, false)`);
  const updated = await tx.execute<{ status: string; attempts: number }>(sql`
    UPDATE webhook_deliveries
       SET attempts = attempts + 1, last_status = ${outcome.status}, last_error = ${outcome.error},
           claim = NULL, locked_until = NULL, updated_at = now(),
           status = CASE WHEN attempts + 1 > ${schedule.length} THEN 'exhausted' ELSE 'pending' END,
           next_attempt_at = CASE WHEN attempts + 1 > ${schedule.length} THEN next_attempt_at
             ELSE now() + make_interval(secs => coalesce(${outcome.retryAfter}::float8,
                    (${sql.param(schedule)}::float8[])[attempts + 1] * (0.8 + random() * 0.4))) END
     WHERE id = ${job.id} AND created_at = ${job.createdAt}::timestamptz AND claim = ${job.claim}
    RETURNING status, attempts`);
  return updated.rows[0];
}

async function appendExhausted(tx: Tx, job: Job, outcome: Outcome, attempts: number): Promise<void> {
  const [subscription] = (
    await tx.execute<EventSubscription>(
      sql`SELECT id, url, channel FROM webhook_subscriptions WHERE id = ${job.subscriptionId}`,
    )
  ).rows;
  await appendEvents(tx, [
    {
      type: 'webhook.delivery_exhausted',
      resourceType: 'webhook_subscription',
      resourceId: job.subscriptionId,
      channel: subscription?.channel ?? null,
      data: {
        subscription: subscription ?? { id: job.subscriptionId, url: job.url, channel: null },
        delivery_id: job.id,
        event_id: job.eventId,
        event_type: job.eventType,
        event_sequence: job.eventPosition,
        attempts,
        last_status: outcome.status,
        last_error: outcome.error,
      },
    },
  ]);
}

async function disable(tx: Tx, log: FastifyBaseLogger, job: Job, reason: string): Promise<void> {
  const disabled = await tx.execute<EventSubscription>(sql`
    UPDATE webhook_subscriptions SET active = false, disabled_at = now(), disabled_reason = ${reason},
           updated_at = now()
     WHERE id = ${job.subscriptionId} AND active
    RETURNING id, url, channel`);
  const subscription = disabled.rows[0];
  if (subscription) {
    log.warn({ subscription: subscription.id, reason }, 'webhook subscription disabled');
    await appendEvents(tx, [
      {
        type: 'webhook.subscription_disabled',
        resourceType: 'webhook_subscription',
        resourceId: subscription.id,
        channel: subscription.channel,
        data: { subscription, reason },
      },
    ]);
  }
}

/** Marks the subscription failing; how long it has been failing, and whether that is too long. */
async function markFailing(
  tx: Tx,
  config: Pick<Config, 'webhookDisableAfterHours'>,
  job: Job,
): Promise<{ since: string; too_long: boolean } | undefined> {
  const failing = await tx.execute<{ since: string; too_long: boolean }>(sql`
    UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, now())
     WHERE id = ${job.subscriptionId}
    RETURNING failing_since AS since,
              failing_since < now() - make_interval(hours => ${config.webhookDisableAfterHours}) AS too_long`);
  return failing.rows[0];
}

/** Writes a failed attempt and what follows from it, in one transaction. */
export async function recordFailure(
  { db, config, log }: Pick<WebhookDeps, 'db' | 'config' | 'log'>,
  job: Job,
  outcome: Outcome,
): Promise<void> {
  await db.transaction(async (tx) => {
    const delivery = await scheduleRetry(tx, config.webhookRetrySchedule, job, outcome);
    if (!delivery) {
      return; // the lease ran out and another dispatcher owns the delivery now
    }
    const failing = await markFailing(tx, config, job);
    if (delivery.status === 'exhausted') {
      await appendExhausted(tx, job, outcome, delivery.attempts);
    }
    if (outcome.status === 410) {
      await disable(tx, log, job, 'the endpoint answered 410 Gone');
    } else if (failing?.too_long) {
      const since = new Date(failing.since).toISOString();
      await disable(
        tx,
        log,
        job,
        `every delivery has failed since ${since} (last: ${outcome.error ?? `HTTP ${outcome.status}`})`,
      );
    }
  });
}
