import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { CarrierService } from '../carriers/index.js';
import type { RoutingCache } from './routing-cache.js';

/** What the routing use cases work with; each takes the `Pick<>` it uses. */
export interface RoutingDeps {
  db: Db;
  clock: Clock;
  carriers: Pick<CarrierService, 'activeServices'>;
  /** This process's copies of the rule sets and locations. */
  cache: RoutingCache;
}
