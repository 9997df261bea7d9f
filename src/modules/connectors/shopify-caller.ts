import type { Caller } from '../../http/caller.js';
import type { ConnectorRow } from './connector-store.js';

/** The connector calls the order use cases as its own channel-bound key. */
export const callerOf = (connector: ConnectorRow): Caller => ({
  keyId: connector.apiKeyId,
  keyName: `Shopify connector (${connector.channel})`,
  scopes: ['orders:read', 'orders:write'],
  channel: connector.channel,
  rateLimit: null,
});
