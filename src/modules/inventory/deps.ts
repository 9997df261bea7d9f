import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';

/** What the inventory use cases work with; each takes the `Pick<>` it uses. */
export interface InventoryDeps {
  db: Db;
  /** When feeds arrive, for `location_feeds` (the system clock when not given). */
  clock?: Clock;
  /** Nudges whoever waits for stock (the backorder worker) after a feed that may have added some. */
  stockAdded?: () => void;
}

/** Who made a change, for the ledger. */
export interface Actor {
  apiKeyId: string | null;
}
