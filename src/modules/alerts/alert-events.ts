import type { EventTypeDefinitions } from '../events/index.js';
import { AlertSchema } from './alerts.schemas.js';

/** The alert.* event types; `data` is the alert as `GET /v1/alerts/{id}` returns it after the change. */
export const alertEvents = {
  'alert.raised': {
    scope: 'orders:read',
    summary: 'An alert rule’s condition started to hold for a subject (an order, a shipment, a location…)',
    data: AlertSchema,
  },
  'alert.acknowledged': {
    scope: 'orders:read',
    summary: 'Someone acknowledged an open alert',
    data: AlertSchema,
  },
  'alert.resolved': {
    scope: 'orders:read',
    summary: 'An alert’s condition no longer holds (or its rule was removed or disabled)',
    data: AlertSchema,
  },
} satisfies EventTypeDefinitions;
