/** The webhooks module: subscriptions, the dispatcher that delivers events to them, webhook.* events. */
export { retryAfterSeconds } from './attempt.js';
export { createDispatcher, type Dispatcher } from './dispatcher.js';
export { pendingDeliveriesOfEvents } from './retention.js';
export { webhookFanOut } from './subscription-match.js';
export { webhookEvents } from './webhook-events.js';
export { webhookRoutes } from './webhooks.routes.js';
export type { Delivery, SubscriptionWithSecret } from './webhooks.schemas.js';
export { createWebhookService, type WebhookService } from './webhooks.service.js';
