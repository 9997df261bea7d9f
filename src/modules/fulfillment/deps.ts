import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { CarrierService } from '../carriers/index.js';
import type { OrderTransitions } from '../orders/index.js';
import type { PackingRuleService } from './packing.service.js';

/** Everything the fulfillment module is built from; each use case takes the part it uses. */
export interface FulfillmentDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  carriers: Pick<CarrierService, 'activeServices' | 'adapterConfig'>;
  packing: Pick<PackingRuleService, 'current'>;
  /** How fulfillment changes orders: never by writing them. */
  orders: Pick<
    OrderTransitions,
    'lock' | 'claimDueForRelease' | 'recordReleased' | 'recordShipped' | 'recordShipmentProgress' | 'reroute'
  >;
  /** Whether carrier endpoints may be private addresses (ORDO_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivateEndpoints: boolean;
  /** Units went back to routing: the releaser should look at their orders now. */
  rerouted?: () => void;
  /** Units went back to stock: backordered orders may use them. */
  stockFreed?: () => void;
}
