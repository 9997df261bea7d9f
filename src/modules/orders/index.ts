/** The orders module: the only writer of orders, order lines and holds, and of `order.*` events. */
export { accountOrdersSelect } from './account-orders.js';
export { createBackorderAllocator } from './backorders.js';
export type {
  AccountLedger,
  CaptureAccount,
  CreditVerdict,
  OrderDeps,
  PendingShipments,
  ShippedOnTerms,
} from './deps.js';
export { releaseExpiredReservations } from './expiry.js';
export { holdRoutes } from './holds.routes.js';
export { createHoldService, type HoldService } from './holds.service.js';
export { componentsOf, isKit, stockUnitsOf } from './kit-lines.js';
export { orderEventSchemas, orderEvents } from './order-events.js';
export { editable, returnable } from './order-state.js';
export type { OrderState } from './order-store.js';
export { orderRoutes } from './orders.routes.js';
export {
  type CreateOrder,
  CreateOrderSchema,
  OrderParamsSchema,
  type OrderView,
  type PaymentUpdate,
  type UpdateOrder,
} from './orders.schemas.js';
export { createOrderService, type OrderService } from './orders.service.js';
export { queueOf } from './settle.js';
export { createOrderTransitions, type OrderTransitions } from './transitions.js';
