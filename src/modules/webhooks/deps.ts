import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { EventCatalog } from '../events/index.js';

/** Everything the webhooks module is built from; each use case takes the part it uses. */
export interface WebhookDeps {
  db: Db;
  config: Config;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Subscription patterns must match a known event type. */
  eventCatalog: Pick<EventCatalog, 'patternProblem'>;
}
