import type { SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import type { FraudRuleSet } from '../fraud/index.js';
import type { RoutingService } from '../routing/index.js';

/**
 * What cancelling needs to know and do about shipments: fulfillment implements it, the composition
 * root hands it over. Declared here so the import still points from fulfillment to orders.
 */
export interface PendingShipments {
  /** Units of these lines in shipments already being picked or packed: too late to cancel. */
  unitsInProgress(tx: Executor, lineIds: number[]): Promise<Map<number, number>>;
  /** Takes cancelled units out of pending shipments and releases their reservations; returns the units released. */
  releaseCancelledUnits(tx: Executor, lineId: number, quantity: number, reason: string): Promise<number>;
}

/** Everything the orders module is built from; each use case takes the part it uses. */
export interface OrderDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  fraud: { current(): Promise<FraudRuleSet> };
  routing: Pick<RoutingService, 'session' | 'usage' | 'incomingDelivery'> & { usageSelect(): SQL };
  shipments: PendingShipments;
  /** Called after a change released stock (a cancellation), so waiting backorders can take it. */
  stockFreed?: () => void;
  /** Called after a change may have made an order allocated, so its shipments are released when due. */
  allocated?: () => void;
}
