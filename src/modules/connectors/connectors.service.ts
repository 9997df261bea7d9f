import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { connectorStatus, getConnector, putConnector, removeConnector } from './connector-config.js';
import { presentConnector } from './connector-store.js';
import type { FulfilmentListQuery, PutConnector } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { collectFulfilments, pushFulfilments } from './fulfilment-push.js';
import { listQueue, retryFulfilment } from './fulfilment-queue.js';
import { dismissEntry, listInbox } from './inbox-store.js';
import { type DeliveryHeaders, receiveDelivery } from './shopify-webhook.js';
import { collectStock, pushStock } from './stock-push.js';

export type ConnectorService = ReturnType<typeof createConnectorService>;

/** The Shopify connector's use cases; each is a file of its own. */
export function createConnectorService(deps: ConnectorDeps) {
  return {
    put: (channel: string, input: PutConnector) => putConnector(deps, channel, input),
    get: async (channel: string, caller: Caller) =>
      presentConnector(await getConnector(deps, channel, caller)),
    remove: (channel: string) => removeConnector(deps, channel),
    status: (channel: string, caller: Caller) => connectorStatus(deps, channel, caller),
    inbox: async (channel: string, query: { limit: number; cursor?: string | undefined }, caller: Caller) =>
      listInbox(deps.db, (await getConnector(deps, channel, caller)).channelId, query),
    /** Marks an inbox entry looked at: it no longer raises the `connector_inbox` alert. */
    dismiss: async (channel: string, id: number, caller: Caller) => {
      const connector = await getConnector(deps, channel, caller);
      const entry = await dismissEntry(deps.db, connector.channelId, id, {
        by: caller.keyId,
        at: deps.clock.now(),
      });
      if (entry === undefined) {
        throw notFound(`Inbox entry ${id}`);
      }
      return entry;
    },
    fulfilments: (channel: string, query: FulfilmentListQuery, caller: Caller) =>
      listQueue(deps, channel, query, caller),
    /** Puts a failed fulfilment back in the queue, due now. */
    retryFulfilment: (channel: string, shipmentId: string, caller: Caller) =>
      retryFulfilment(deps, channel, shipmentId, caller),
    receive: (channel: string, headers: DeliveryHeaders, body: Buffer, requestId: string) =>
      receiveDelivery(deps, channel, headers, body, requestId),
    /** Turns availability changes into pending stock pushes (coalesced per SKU and location). */
    collectStock: () => collectStock(deps),
    /** Sends pending stock pushes to Shopify, paced by its cost bucket. */
    pushStock: () => pushStock(deps),
    /** The worker's pass: collect, then push. */
    syncStock: async () => ({ collected: await collectStock(deps), pushed: await pushStock(deps) }),
    /** Shipped shipments of Shopify orders become fulfilments, then are created in Shopify. */
    syncFulfilments: async () => ({
      collected: await collectFulfilments(deps),
      created: await pushFulfilments(deps),
    }),
  };
}
