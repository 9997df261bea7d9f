/** The returns module: returns (RMAs), their receipts and refunds, and `return.*` and `refund.*` events. */
export { returnEvents } from './return-events.js';
export { returnRoutes } from './returns.routes.js';
export { createReturnService } from './returns.service.js';
