import type { Caller } from '../../http/caller.js';
import { type DeliveryListQuery, listDeliveries, retryDelivery } from './deliveries.js';
import type { WebhookDeps } from './deps.js';
import { replay } from './replay.js';
import { maintainWebhookPartitions } from './retention.js';
import { rotateSecret } from './rotate-secret.js';
import {
  createSubscription,
  getSubscription,
  listSubscriptions,
  removeSubscription,
  type SubscriptionListQuery,
  updateSubscription,
} from './subscriptions.js';
import type { CreateSubscription, Replay, UpdateSubscription } from './webhooks.schemas.js';

export type WebhookService = ReturnType<typeof createWebhookService>;

/** Subscriptions, their delivery log, retries, replays and retention: one use case each. */
export function createWebhookService(
  deps: Pick<WebhookDeps, 'db' | 'config' | 'clock' | 'log' | 'eventCatalog'>,
) {
  return {
    create: (input: CreateSubscription, caller: Caller) => createSubscription(deps, input, caller),
    list: (query: SubscriptionListQuery, caller: Caller) => listSubscriptions(deps, query, caller),
    get: (id: string, caller: Caller) => getSubscription(deps, id, caller),
    update: (id: string, input: UpdateSubscription, caller: Caller) =>
      updateSubscription(deps, id, input, caller),
    remove: (id: string, caller: Caller) => removeSubscription(deps, id, caller),
    rotateSecret: (id: string, caller: Caller) => rotateSecret(deps, id, caller),
    deliveries: (id: string, query: DeliveryListQuery, caller: Caller) =>
      listDeliveries(deps, id, query, caller),
    retry: (deliveryId: number, caller: Caller) => retryDelivery(deps, deliveryId, caller),
    replay: (id: string, input: Replay, caller: Caller) => replay(deps, id, input, caller),
    /** Weeks ahead created, weeks past the retention dropped (the `partitions` worker). */
    maintainPartitions: () => maintainWebhookPartitions(deps),
  };
}
