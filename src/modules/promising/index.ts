/** The promising module: delivery dates and options from stock, calendars and carrier rate cards. */
export { localDate, shipAndDeliver, shipDate } from './calendar.js';
export type { CaptureChoice, ChoiceInput } from './promise.js';
export { promiseRoutes } from './promise.routes.js';
export type { PromiseRequest } from './promise.schemas.js';
export { createPromiseService, promisedDelivery } from './promise.service.js';
