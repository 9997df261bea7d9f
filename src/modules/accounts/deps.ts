import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { HoldService } from '../orders/index.js';

/** What the account use cases work with; each takes the `Pick<>` it uses. */
export interface AccountDeps {
  db: Db;
  clock: Clock;
  /** Orders' holds: credit holds that no longer apply are released through the normal release path. */
  holds: Pick<HoldService, 'releaseIn' | 'allocated'>;
}
