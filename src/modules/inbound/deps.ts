import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';

/** What the inbound shipment use cases work with; each takes the `Pick<>` it uses. */
export interface InboundDeps {
  db: Db;
  clock: Clock;
  /** Nudges whoever waits for stock (the backorder worker) after a receipt put units on hand. */
  stockAdded?: () => void;
}
