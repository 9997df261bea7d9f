import { conflict, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { getConnector } from './connector-config.js';
import type { Fulfilment, FulfilmentListQuery } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { findFulfilment, listFulfilments, requeueFailed } from './fulfilment-store.js';

/** The fulfilment queue as a person works it: what is pending or failed, and retrying what failed. */

export async function listQueue(
  deps: Pick<ConnectorDeps, 'db'>,
  channel: string,
  query: FulfilmentListQuery,
  caller: Caller,
) {
  const connector = await getConnector(deps, channel, caller);
  return listFulfilments(deps.db, connector.channelId, query);
}

/**
 * Puts a failed fulfilment back in the queue, due now (after its cause was fixed in Shopify, say an
 * order that was not there yet). Only a failed one: a pending one is retried already, a created one is done.
 */
export async function retryFulfilment(
  deps: Pick<ConnectorDeps, 'db' | 'clock' | 'log'>,
  channel: string,
  shipmentId: string,
  caller: Caller,
): Promise<Fulfilment> {
  const { channelId } = await getConnector(deps, channel, caller);
  const requeued = await requeueFailed(deps.db, channelId, shipmentId, deps.clock.now());
  const fulfilment = await findFulfilment(deps.db, channelId, shipmentId);
  if (fulfilment === undefined) {
    throw notFound(`The Shopify fulfilment of shipment ${shipmentId}`);
  }
  if (!requeued) {
    throw conflict(`The Shopify fulfilment of shipment ${shipmentId} is ${fulfilment.status}, not failed`);
  }
  deps.log.info({ channel, shipment: shipmentId, by: caller.keyId }, 'shopify fulfilment requeued');
  return fulfilment;
}
