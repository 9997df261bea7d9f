import type { FastifyBaseLogger } from 'fastify';
import { describeFailure, translateDatabaseError } from '../db/pg-errors.js';

export type WorkerLog = Pick<FastifyBaseLogger, 'error' | 'warn' | 'info' | 'debug'>;

export interface FailureLog {
  /** Records a failed run: logged when a run of failures starts, then again after 10, 100, 1000... */
  failed(err: unknown): void;
  /** Records a successful run: a run of failures that ends is logged once, with its length. */
  succeeded(): void;
}

/**
 * Logging for a task that runs again and again (a timer, a nudge): while the database is down it
 * fails every time, and one error with a stack per run would bury everything else in the log. The
 * first failure is logged, then only every tenfold more, and the recovery. A database that is down or
 * busy is a warning without a stack (nothing in Ordo to fix); anything else is an error with its stack.
 */
export function failureLog(worker: string, log: WorkerLog): FailureLog {
  let failures = 0;
  return {
    failed(err) {
      failures++;
      const reported = failures === 1 || Number.isInteger(Math.log10(failures));
      if (!reported) {
        log.debug({ worker, failures, ...describeFailure(err) }, 'worker run failed again');
      } else if (translateDatabaseError(err)?.code === 'service_unavailable') {
        log.warn(
          { worker, failures, ...describeFailure(err) },
          'worker run failed: the database is unavailable',
        );
      } else {
        log.error({ worker, failures, err }, 'worker run failed');
      }
    },
    succeeded() {
      if (failures > 0) {
        log.info({ worker, failures }, 'worker runs succeed again');
        failures = 0;
      }
    },
  };
}
