import { attempt, createDeliveryAgent, type Outcome } from './attempt.js';
import { claimDue, type Job } from './claim.js';
import type { WebhookDeps } from './deps.js';
import { recordFailure } from './record-failure.js';
import { createSuccessRecorder } from './record-success.js';
import { startWorker } from './worker.js';

export type Dispatcher = ReturnType<typeof createDispatcher>;

const succeeded = (outcome: Outcome) =>
  outcome.status !== null && outcome.status >= 200 && outcome.status < 300;

/**
 * Delivers webhooks: claims due deliveries (one statement, FOR UPDATE SKIP LOCKED, with a lease so a
 * crashed process's claims come back), POSTs each outside any transaction, then records the attempt
 * and the delivery's next state. Safe with any number of processes.
 */
export function createDispatcher(deps: Pick<WebhookDeps, 'db' | 'config' | 'clock' | 'log'>) {
  const { db, config, clock, log } = deps;
  // Longer than any attempt can take, so a live claim never expires under its attempt.
  const leaseMs = config.webhookTimeoutMs * 2 + 5000;
  const agent = createDeliveryAgent(config);
  const attemptDeps = { agent, clock, config };
  const recordSuccess = createSuccessRecorder(db);
  const close = () => agent.close();

  const perSubscription = Math.min(config.webhookConcurrencyPerSubscription, config.webhookConcurrency);
  const claim = (limit: number) => claimDue(db, { leaseMs, limit, perSubscription });

  async function deliver(job: Job): Promise<void> {
    const outcome = await attempt(attemptDeps, job);
    await (succeeded(outcome) ? recordSuccess(job, outcome) : recordFailure(deps, job, outcome));
  }

  /** Claims up to `limit` due deliveries and delivers them all; returns how many it claimed. */
  async function runOnce(limit = config.webhookConcurrency): Promise<number> {
    const jobs = await claim(limit);
    await Promise.all(jobs.map(deliver));
    return jobs.length;
  }

  const start = (pollMs?: number) => startWorker({ config, log, claim, deliver, close }, pollMs);

  return { claim, deliver, runOnce, start, close };
}
