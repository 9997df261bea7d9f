import type { Db } from '../../db/client.js';

/** What the carriers' use cases work with; each takes the `Pick<>` it uses. */
export interface CarrierDeps {
  db: Db;
  /** Whether an HTTP adapter's endpoint may point at a private, loopback or link-local address. */
  allowPrivateEndpoints: boolean;
}
