import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';

/** What the alert use cases work with; each takes the `Pick<>` it uses. */
export interface AlertDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Most alerts one rule raises in one pass (the oldest conditions first); the rest wait for the next. */
  raiseLimit?: number;
  /** Most unresolved alerts of one rule re-checked in one pass (least recently seen first). */
  checkLimit?: number;
}

export const defaultRaiseLimit = 200;
export const defaultCheckLimit = 1000;
