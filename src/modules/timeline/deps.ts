import type { Db } from '../../db/client.js';
import type { EventCatalog } from '../events/index.js';
import type { OrderTransitions } from '../orders/index.js';

/** What the timeline is built from: it only reads. */
export interface TimelineDeps {
  db: Db;
  /** The order a caller may see (another channel's is a 404), as every order route finds it. */
  orders: Pick<OrderTransitions, 'find'>;
  /** For an event type without a sentence of its own: the catalog's description of it. */
  catalog: Pick<EventCatalog, 'definitionOf'>;
}
