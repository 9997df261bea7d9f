/** The timeline module: an order's history across orders, fulfilment and returns. It only reads. */
export type { TimelineDeps } from './deps.js';
export { hasSummary, summarize } from './summaries.js';
export { timelineRoutes } from './timeline.routes.js';
export { type TimelineEntry, TimelineSchema } from './timeline.schemas.js';
export { createTimelineService, type TimelineService } from './timeline.service.js';
