import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { Agent, request } from 'undici';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db, Tx } from '../../db/client.js';
import { guardedLookup, outgoingUrlProblem } from '../../http/url-guard.js';
import { appendEvents, type EventRow, eventColumns, presentEvent } from '../events/index.js';
import { signedHeaders } from './signing.js';

/** A claimed delivery with what its request needs. */
interface Job {
  id: number;
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

interface Outcome {
  startedAt: Date;
  durationMs: number;
  status: number | null;
  error: string | null;
  excerpt: string | null;
  /** Seconds the receiver asked to wait (429/503 `Retry-After`). */
  retryAfter: number | null;
}

const excerptBytes = 1024;
const maxRetryAfterSeconds = 86_400;

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | string[] | undefined, now: Date): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') {
    return null;
  }
  const seconds = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : (Date.parse(raw) - now.getTime()) / 1000;
  return Number.isFinite(seconds) ? Math.min(maxRetryAfterSeconds, Math.max(0, seconds)) : null;
}

async function readExcerpt(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= excerptBytes) {
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, excerptBytes).toString('utf8');
}

const describe = (err: unknown): string => {
  const error = err as { name?: string; code?: string; message?: string; cause?: unknown };
  if (
    error.name === 'TimeoutError' ||
    error.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    error.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return 'timed out';
  }
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const text = [error.code ?? cause?.code, error.message ?? cause?.message].filter(Boolean).join(': ');
  return (text || 'request failed').slice(0, 500);
};

export interface DispatcherDeps {
  db: Db;
  config: Config;
  clock: Clock;
  log: FastifyBaseLogger;
}

export interface DispatcherWorker {
  /** Claims due deliveries now instead of at the next tick. */
  nudge(): void;
  /** Stops claiming and waits for the attempts under way. */
  stop(): Promise<void>;
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/**
 * Delivers webhooks: claims due deliveries (one statement, FOR UPDATE SKIP LOCKED, with a lease so a
 * crashed process's claims come back), POSTs each outside any transaction, then records the attempt
 * and the delivery's next state. Safe with any number of processes.
 */
export function createDispatcher({ db, config, clock, log }: DispatcherDeps) {
  const timeoutMs = config.webhookTimeoutMs;
  // Longer than any attempt can take, so a live claim never expires under its attempt.
  const leaseMs = timeoutMs * 2 + 5000;
  const agent = new Agent({
    connect: {
      timeout: timeoutMs,
      ...(config.webhookAllowPrivate ? {} : { lookup: guardedLookup }),
    },
    keepAliveTimeout: 4000,
  });
  const schedule = config.webhookRetrySchedule;

  async function claim(limit: number): Promise<Job[]> {
    const result = await db.execute<
      EventRow & {
        delivery_id: string;
        claim: string;
        attempts: number;
        subscription_id: string;
        url: string;
        secret: string;
        previous_secret: string | null;
      }
    >(sql`
      WITH claimed AS (
        UPDATE webhook_deliveries d
           SET claim = gen_random_uuid(), locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
               updated_at = now()
         WHERE d.id IN (
           SELECT d2.id FROM webhook_deliveries d2
             JOIN webhook_subscriptions s2 ON s2.id = d2.subscription_id AND s2.active
            WHERE d2.status = 'pending' AND d2.next_attempt_at <= now()
              AND (d2.locked_until IS NULL OR d2.locked_until <= now())
            ORDER BY d2.next_attempt_at, d2.id
            LIMIT ${limit}
            FOR UPDATE OF d2 SKIP LOCKED)
        RETURNING d.id, d.claim, d.attempts, d.subscription_id, d.event_sequence)
      SELECT c.id AS delivery_id, c.claim, c.attempts, c.subscription_id, s.url, s.secret,
             CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END AS previous_secret,
             ${eventColumns(sql.raw('e'))}
        FROM claimed c
        JOIN webhook_subscriptions s ON s.id = c.subscription_id
        JOIN events e ON e.sequence = c.event_sequence
       ORDER BY e.position`);
    return result.rows.map((row) => {
      const event = presentEvent(row);
      return {
        id: Number(row.delivery_id),
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

  /** One HTTP attempt; never throws. */
  async function send(job: Job): Promise<Outcome> {
    const startedAt = clock.now();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refused = await outgoingUrlProblem(job.url, config.webhookAllowPrivate, { resolve: false });
    if (refused) {
      return {
        startedAt,
        durationMs: elapsed(),
        status: null,
        error: `URL refused: it ${refused}`,
        excerpt: null,
        retryAfter: null,
      };
    }
    try {
      const response = await request(job.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Ordo-Webhooks/1.0',
          ...signedHeaders(job.secrets, job.eventId, startedAt, job.body),
        },
        body: job.body,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const excerpt = await readExcerpt(response.body);
      const status = response.statusCode;
      return {
        startedAt,
        durationMs: elapsed(),
        status,
        error: null,
        excerpt,
        retryAfter:
          status === 429 || status === 503
            ? retryAfterSeconds(response.headers['retry-after'], clock.now())
            : null,
      };
    } catch (err) {
      return {
        startedAt,
        durationMs: elapsed(),
        status: null,
        error: describe(err),
        excerpt: null,
        retryAfter: null,
      };
    }
  }

  const subscriptionOf = (tx: Tx, id: string) =>
    tx.execute<{ id: string; url: string; channel: string | null }>(
      sql`SELECT id, url, channel FROM webhook_subscriptions WHERE id = ${id}`,
    );

  async function disable(tx: Tx, job: Job, reason: string): Promise<void> {
    const disabled = await tx.execute<{ id: string; url: string; channel: string | null }>(sql`
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

  /**
   * Successes, the common case, are written in batches: one statement records every success that
   * finished while the previous batch was being written (attempts, deliveries, subscriptions).
   */
  let successes: Array<{ job: Job; outcome: Outcome; done: () => void; failed: (err: unknown) => void }> = [];
  let flushing = false;

  async function flushSuccesses(): Promise<void> {
    flushing = true;
    try {
      await writeSuccesses();
    } finally {
      // Synchronously after the last empty check: a success queued from now on starts a new flush.
      flushing = false;
    }
  }

  async function writeSuccesses(): Promise<void> {
    while (successes.length > 0) {
      const batch = successes;
      successes = [];
      const column = <T>(pick: (item: (typeof batch)[number]) => T) => sql.param(batch.map(pick));
      try {
        await db.execute(sql`
          WITH input AS (
            SELECT * FROM unnest(${column((b) => b.job.id)}::bigint[], ${column((b) => b.job.claim)}::uuid[],
                                 ${column((b) => b.job.attempts + 1)}::int[],
                                 ${column((b) => b.outcome.startedAt.toISOString())}::timestamptz[],
                                 ${column((b) => b.outcome.durationMs)}::int[], ${column((b) => b.outcome.status)}::int[],
                                 ${column((b) => b.outcome.excerpt)}::text[])
                     AS u(id, claim, attempt, started_at, duration_ms, status, excerpt)),
          attempt AS (
            INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, response_excerpt, success)
            SELECT id, attempt, started_at, duration_ms, status, excerpt, true FROM input),
          delivered AS (
            UPDATE webhook_deliveries d
               SET status = 'delivered', attempts = d.attempts + 1, delivered_at = now(), last_status = i.status,
                   last_error = NULL, claim = NULL, locked_until = NULL, updated_at = now()
              FROM input i
             WHERE d.id = i.id AND d.claim = i.claim)
          UPDATE webhook_subscriptions SET failing_since = NULL
           WHERE id = ANY(${column((b) => b.job.subscriptionId)}::uuid[]) AND failing_since IS NOT NULL`);
        for (const item of batch) {
          item.done();
        }
      } catch (err) {
        for (const item of batch) {
          item.failed(err);
        }
      }
    }
  }

  function recordSuccess(job: Job, outcome: Outcome): Promise<void> {
    return new Promise((done, failed) => {
      successes.push({ job, outcome, done, failed });
      if (!flushing) {
        void flushSuccesses();
      }
    });
  }

  /** Writes a failed attempt and what follows from it, in one transaction. */
  async function record(job: Job, outcome: Outcome): Promise<void> {
    const success = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const attemptRow =
      () => sql`INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, response_excerpt, success)
        VALUES (${job.id}, ${job.attempts + 1}, ${outcome.startedAt.toISOString()}, ${outcome.durationMs},
                ${outcome.status}, ${outcome.error}, ${outcome.excerpt}, ${success})`;
    if (success) {
      await recordSuccess(job, outcome);
      return;
    }
    await db.transaction(async (tx) => {
      await tx.execute(attemptRow());
      // The delay after the n-th failed attempt is schedule[n] (1-based) with ±20% jitter, or what
      // Retry-After asked for; past the schedule the delivery is exhausted.
      const updated = await tx.execute<{ status: string; attempts: number }>(sql`
        UPDATE webhook_deliveries
           SET attempts = attempts + 1, last_status = ${outcome.status}, last_error = ${outcome.error},
               claim = NULL, locked_until = NULL, updated_at = now(),
               status = CASE WHEN attempts + 1 > ${schedule.length} THEN 'exhausted' ELSE 'pending' END,
               next_attempt_at = CASE WHEN attempts + 1 > ${schedule.length} THEN next_attempt_at
                 ELSE now() + make_interval(secs => coalesce(${outcome.retryAfter}::float8,
                        (${sql.param(schedule)}::float8[])[attempts + 1] * (0.8 + random() * 0.4))) END
         WHERE id = ${job.id} AND claim = ${job.claim}
        RETURNING status, attempts`);
      const delivery = updated.rows[0];
      if (!delivery) {
        return; // the lease ran out and another dispatcher owns the delivery now
      }
      const failing = await tx.execute<{ since: string; too_long: boolean }>(sql`
        UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, now())
         WHERE id = ${job.subscriptionId}
        RETURNING failing_since AS since,
                  failing_since < now() - make_interval(hours => ${config.webhookDisableAfterHours}) AS too_long`);
      if (delivery.status === 'exhausted') {
        const [subscription] = (await subscriptionOf(tx, job.subscriptionId)).rows;
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
              attempts: delivery.attempts,
              last_status: outcome.status,
              last_error: outcome.error,
            },
          },
        ]);
      }
      if (outcome.status === 410) {
        await disable(tx, job, 'the endpoint answered 410 Gone');
      } else if (failing.rows[0]?.too_long) {
        const since = new Date(failing.rows[0].since).toISOString();
        await disable(
          tx,
          job,
          `every delivery has failed since ${since} (last: ${outcome.error ?? `HTTP ${outcome.status}`})`,
        );
      }
    });
  }

  async function deliver(job: Job): Promise<void> {
    const outcome = await send(job);
    await record(job, outcome);
  }

  /** Claims up to `limit` due deliveries and delivers them all; returns how many it claimed. */
  async function runOnce(limit = config.webhookConcurrency): Promise<number> {
    const jobs = await claim(limit);
    await Promise.all(jobs.map(deliver));
    return jobs.length;
  }

  function start(pollMs = 250): DispatcherWorker {
    const inFlight = new Set<Promise<void>>();
    let stopping = false;
    let filling: Promise<void> | undefined;
    let again = false;

    // Claims in batches: refills once half the slots are free rather than one claim per finished attempt.
    const refillAt = Math.max(0, Math.floor(config.webhookConcurrency / 2));
    const fill = async () => {
      while (!stopping) {
        const room = config.webhookConcurrency - inFlight.size;
        if (room <= 0 || inFlight.size > refillAt) {
          return;
        }
        const jobs = await claim(room);
        for (const job of jobs) {
          const attempt: Promise<void> = deliver(job)
            .catch((err: unknown) =>
              log.error({ err, delivery: job.id }, 'webhook attempt could not be recorded'),
            )
            .finally(() => {
              inFlight.delete(attempt);
              tick();
            });
          inFlight.add(attempt);
        }
        if (jobs.length < room && !again) {
          return;
        }
        again = false;
      }
    };
    const tick = () => {
      if (stopping) {
        return;
      }
      if (filling) {
        again = true;
        return;
      }
      filling = fill()
        .catch((err: unknown) => log.error({ err }, 'webhook claim failed'))
        .finally(() => {
          filling = undefined;
        });
    };
    const timer = setInterval(tick, pollMs);
    timer.unref();
    return {
      nudge: tick,
      async stop() {
        stopping = true;
        clearInterval(timer);
        await filling;
        await Promise.all([...inFlight]);
        await agent.close();
      },
    };
  }

  return { claim, deliver, runOnce, start, close: () => agent.close() };
}
