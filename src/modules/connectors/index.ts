/** The connectors module: a channel's Shopify store (orders in, stock out), its inbox and its push queue. */
export { connectorRoutes, shopifyWebhookRoutes } from './connectors.routes.js';
export { type ConnectorService, createConnectorService } from './connectors.service.js';
