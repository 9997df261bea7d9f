/** The events module: the outbox every module appends to, the numbered feed and the event catalog. */
export {
  createEventCatalog,
  type EventCatalog,
  type EventTypeDefinition,
  type EventTypeDefinitions,
  type EventWebhookDocument,
  matchesPattern,
} from './event-catalog.js';
export { eventRoutes } from './events.routes.js';
export {
  appendEvents,
  createEventService,
  type EventRow,
  type EventService,
  eventColumns,
  eventsInsert,
  type NewEvent,
  presentEvent,
} from './events.service.js';
