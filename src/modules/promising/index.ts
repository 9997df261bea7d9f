/** The promising module: delivery dates and options from stock, calendars and carrier rate cards. */
export { localDate, shipAndDeliver, shipDate } from './calendar.js';
export {
  assignIncoming,
  coveredUnits,
  deliveryAfterArrival,
  type IncomingCover,
  type IncomingPart,
  type IncomingUnits,
  partsOf,
  type WaitingDemand,
} from './incoming.js';
export { freeIncoming, openIncoming, type QueuePlace } from './incoming-store.js';
export type { CaptureChoice, ChoiceInput } from './promise.js';
export { promiseRoutes } from './promise.routes.js';
export type { PromiseRequest } from './promise.schemas.js';
export { createPromiseService, promisedDelivery } from './promise.service.js';
