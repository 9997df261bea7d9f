/** The reports module: operational reports (orders, fulfillment, backlog, inventory, returns, holds). It only reads. */
export type { ReportDeps } from './deps.js';
export { holdQueueSlaHours, otherQueueSlaHours } from './hold-slas.js';
export { reportRoutes } from './reports.routes.js';
export { reportNames } from './reports.schemas.js';
export { createReportService, type ReportService } from './reports.service.js';
