/** The routing module: rule sets per channel, the routing session an order is allocated with, simulation. */
export { orderPriority } from './priority.js';
export { routingRoutes } from './routing.routes.js';
export { OrderRoutingSchema } from './routing.schemas.js';
export { createRoutingService, type RoutingService } from './routing.service.js';
export type { RoutingSession } from './session.js';
export type { RoutingTrace } from './trace.js';
export type { UsageRow, UsageWrite } from './usage-store.js';
