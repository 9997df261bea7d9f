/** The alerts module: exception alert rules as data, the alerts they raise, and their evaluator. */
export { alertEvents } from './alert-events.js';
export { alertRoutes } from './alerts.routes.js';
export { type AlertService, createAlertService } from './alerts.service.js';
export type { EvaluationResult } from './evaluate.js';
