/** The notifications module: customer milestones as events, and e-mail over a channel's SMTP server. */
export { notificationEvents } from './notification-events.js';
export { notificationRoutes } from './notifications.routes.js';
export { createNotificationService, type NotificationService } from './notifications.service.js';
