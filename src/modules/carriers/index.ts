/** The carriers module: carriers, their services and rate cards, and the active services everyone quotes. */
export { carrierRoutes } from './carriers.routes.js';
export { type CarrierService, createCarrierService, type ServiceRate } from './carriers.service.js';
export { quote } from './rate-card.js';
