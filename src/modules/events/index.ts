/** The events module: the outbox every module appends to, the numbered feed and the event catalog. */
export {
  createEventCatalog,
  type EventCatalog,
  type EventTypeDefinition,
  type EventTypeDefinitions,
  matchesPattern,
} from './event-catalog.js';
export {
  appendEvents,
  type EventRow,
  eventColumns,
  eventsInsert,
  type NewEvent,
  presentEvent,
} from './event-store.js';
export { eventRoutes } from './events.routes.js';
export { ActorSchema, type ActorView, type FeedPage } from './events.schemas.js';
export { createEventService, type EventService } from './events.service.js';
