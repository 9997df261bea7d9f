import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { OrderService, OrderTransitions } from '../orders/index.js';

/** Everything the returns module is built from; each use case takes the `Pick<>` it uses. */
export interface ReturnDeps {
  db: Db;
  clock: Clock;
  /** Where an exchange that could not be created yet (and is retried) is reported. */
  log: FastifyBaseLogger;
  /** The order changes a return causes: its review hold, returned and refunded units, a waiting exchange. */
  orders: Pick<
    OrderTransitions,
    | 'find'
    | 'openReturnReview'
    | 'closeReturnReview'
    | 'recordReturned'
    | 'recordRefunded'
    | 'releaseAwaiting'
  >;
  /** Creates and cancels an exchange's replacement order, as the order API does. */
  ordering: Pick<OrderService, 'capture' | 'cancel'>;
  /** Called after a receipt, so an exchange released by it ships without waiting for the next pass. */
  released?: () => void;
  /** Called after a receipt restocked sellable units, so waiting backorders can take them. */
  stockAdded?: () => void;
}
