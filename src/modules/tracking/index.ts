/** The tracking module: status links that show a customer their order without an API key. */
export { createStatusLinks, type StatusLink, type StatusLinks } from './status-links.js';
export { answerUnroutableTrackUrl, type TrackRouteOptions, trackRoutes } from './track.routes.js';
export { statusLinkRoutes } from './tracking.routes.js';
export { createTrackingService, type TrackingService } from './tracking.service.js';
export { trackingEvents } from './tracking-events.js';
