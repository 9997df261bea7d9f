import { randomUUID } from 'node:crypto';
import type { NotificationDelivery, NotificationStatus } from '../../db/schema/notifications.js';
import type { TemplateId } from './builtin-templates.js';
import { canonicalLocale } from './locales.js';
import type { Milestone } from './milestones.js';
import type { OrderContext } from './request-store.js';

/** A notification as it is written, and as its `notification.requested` event tells it. */
export interface NewNotification {
  id: string;
  order_id: string;
  channel_id: number;
  channel: string;
  milestone: TemplateId;
  subject: string;
  template: TemplateId;
  locale: string;
  recipient_email: string;
  recipient_name: string | null;
  data: Record<string, unknown>;
  status_link: string | null;
  delivery: NotificationDelivery;
  status: NotificationStatus;
  order_number: number;
}

/**
 * The notification of a milestone: to the order's customer, in the customer's locale (else the
 * channel's default), with what the message needs. Delivery `smtp` queues it for the sender.
 */
export function composeNotification(
  milestone: Milestone,
  order: OrderContext,
  statusLink: string | null,
): NewNotification {
  const data: Record<string, unknown> = {
    order: {
      id: order.id,
      number: order.number,
      placed_at: new Date(order.placed_at).toISOString(),
      currency: order.currency,
      total: order.total,
      promised_delivery_date: order.promised_delivery_date,
    },
    items: order.lines.map((line) => ({ sku: line.sku, name: line.name, quantity: line.quantity })),
    ...milestone.facts,
  };
  const names = new Map(order.lines.map((line) => [line.sku, line.name]));
  if (Array.isArray(milestone.facts.items)) {
    data.items = (milestone.facts.items as Array<{ sku: string; quantity: number }>).map((item) => ({
      sku: item.sku,
      name: names.get(item.sku) ?? null,
      quantity: item.quantity,
    }));
  }
  return {
    id: randomUUID(),
    order_id: order.id,
    channel_id: order.channel_id,
    channel: order.channel,
    milestone: milestone.template,
    subject: milestone.subject,
    template: milestone.template,
    locale: canonicalLocale(order.customer.locale ?? '') ?? order.default_locale,
    recipient_email: order.customer.email,
    recipient_name: order.customer.name ?? null,
    data,
    status_link: statusLink,
    delivery: order.delivery,
    status: order.delivery === 'smtp' ? 'pending' : 'requested',
    order_number: order.number,
  };
}

/** The `data` of the notification's `notification.requested` event. */
export const requestedEvent = (n: NewNotification) => ({
  notification_id: n.id,
  template: n.template,
  template_id: n.template,
  locale: n.locale,
  channel: n.channel,
  delivery: n.delivery,
  order_id: n.order_id,
  order_number: n.order_number,
  recipient: { email: n.recipient_email, name: n.recipient_name },
  status_link: n.status_link,
  data: n.data,
});
