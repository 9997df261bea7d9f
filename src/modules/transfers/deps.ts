import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';

/** What the transfer use cases work with; each takes the `Pick<>` it uses. */
export interface TransferDeps {
  db: Db;
  clock: Clock;
  /** Nudges whoever waits for stock (the backorder worker) after units arrived somewhere. */
  stockAdded?: () => void;
}
