/** The fulfillment module: shipments, bins and pick lists, packing and shipping, and `shipment.*` events. */
export type { FulfillmentDeps } from './deps.js';
export { packingRoutes } from './packing.routes.js';
export { createPackingRuleService } from './packing.service.js';
export { pickListRoutes } from './pick-lists.routes.js';
export { createPickListService } from './pick-lists.service.js';
export { createReleaser } from './release.js';
export { shipmentEvents } from './shipment-events.js';
export { shipmentRoutes } from './shipments.routes.js';
export { createShipmentService } from './shipments.service.js';
export { pendingShipments } from './withdraw.js';
