/** The inbound module: stock announced to a location (ASNs, purchase orders) and received into inventory. */
export { inboundRoutes } from './inbound.routes.js';
export { createInboundService, type InboundService } from './inbound.service.js';
export { type InboundEventType, inboundEvents } from './inbound-events.js';
