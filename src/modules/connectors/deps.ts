import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { OrderService } from '../orders/index.js';

/** What the connector use cases work with; each takes the `Pick<>` it uses. */
export interface ConnectorDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Creates the connector's own channel-bound key (its id is who created the orders). */
  apiKeys: {
    create(input: { name: string; scopes: Array<'orders:read' | 'orders:write'>; channel: string }): Promise<{
      id: string;
    }>;
  };
  orders: Pick<
    OrderService,
    'capture' | 'get' | 'update' | 'cancel' | 'setPayment' | 'recordUnappliedChange'
  >;
  /** The Admin API origin of a shop: `https://<domain>` unless configured otherwise (a local fake in tests). */
  adminOrigin(shopDomain: string): string;
  /** Connect and total timeout of each call to Shopify. */
  timeoutMs: number;
}
