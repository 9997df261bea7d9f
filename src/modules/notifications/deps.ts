import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { StatusLinks } from '../tracking/index.js';

/** Everything the notifications module is built from; each use case takes the part it uses. */
export interface NotificationDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  config: Pick<
    Config,
    'notificationRetrySchedule' | 'smtpTimeoutMs' | 'webhookAllowPrivate' | 'notificationsIntervalMs'
  >;
  /** The customer's status link of each order, put in every notification. */
  statusLinks: Pick<StatusLinks, 'linksFor'>;
}
