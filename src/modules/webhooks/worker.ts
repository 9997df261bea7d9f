import type { FastifyBaseLogger } from 'fastify';
import { runAs, systemActor } from '../../actor.js';
import type { Config } from '../../config.js';
import { failureLog } from '../../workers/failures.js';
import type { Job } from './claim.js';

export interface DispatcherWorker {
  /** Claims due deliveries now instead of at the next tick. */
  nudge(): void;
  /** Stops claiming and waits for the attempts under way. */
  stop(): Promise<void>;
}

interface WorkerParts {
  config: Pick<Config, 'webhookConcurrency' | 'webhookConcurrencyPerSubscription'>;
  log: FastifyBaseLogger;
  claim(limit: number): Promise<Job[]>;
  deliver(job: Job): Promise<void>;
  /** Called once stopped, after the last attempt. */
  close(): Promise<void>;
}

const dispatcherActor = systemActor('webhook-dispatcher');

/**
 * Keeps up to `webhookConcurrency` attempts under way: claims on every tick (each `pollMs`, on a nudge,
 * and after a batch of finished attempts) while there is room.
 */
export function startWorker(
  { config, log, claim, deliver, close }: WorkerParts,
  pollMs = 250,
): DispatcherWorker {
  const inFlight = new Set<Promise<void>>();
  const claimFailures = failureLog('webhook-dispatcher', log);
  let stopping = false;
  let filling: Promise<void> | undefined;
  let again = false;

  // Claims in batches: refills once half the slots are free rather than one claim per finished attempt.
  const refillAt = Math.max(0, Math.floor(config.webhookConcurrency / 2));
  // The same for a subscription at its cap (one receiver takes at most that many slots): an ended attempt
  // claims again only once half the cap has ended since the last claim. Claiming on every end would cost
  // one claim statement per webhook, and the claims, one at a time, would set the pace.
  const refillAfter = Math.max(
    1,
    Math.floor(Math.min(config.webhookConcurrency, config.webhookConcurrencyPerSubscription) / 2),
  );
  let endedSinceClaim = 0;
  const fill = async () => {
    while (!stopping) {
      const room = config.webhookConcurrency - inFlight.size;
      if (room <= 0 || inFlight.size > refillAt) {
        return;
      }
      endedSinceClaim = 0;
      const jobs = await claim(room);
      for (const job of jobs) {
        const attempt: Promise<void> = deliver(job)
          .catch((err: unknown) =>
            log.error({ err, delivery: job.id }, 'webhook attempt could not be recorded'),
          )
          .finally(() => {
            inFlight.delete(attempt);
            endedSinceClaim++;
            if (endedSinceClaim >= refillAfter || inFlight.size === 0) {
              tick();
            }
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
    // A tick may come from the sequencer's nudge or a timer: the attempts (and the webhook.* events a
    // failing one appends) are the dispatcher's own.
    filling = runAs(dispatcherActor, fill)
      .then(claimFailures.succeeded, claimFailures.failed)
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
      await close();
    },
  };
}
