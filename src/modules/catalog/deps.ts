import type { Db } from '../../db/client.js';
import type { ChannelService } from './channels.service.js';

/** What the catalog's use cases work with; each takes the `Pick<>` it uses. */
export interface CatalogDeps {
  db: Db;
  /** Resolves the channel codes a location serves. */
  channels: Pick<ChannelService, 'resolveCodes'>;
  /** Called after every location write (committed or not), so caches of locations elsewhere in the process drop their copy. */
  changed: () => void;
}
