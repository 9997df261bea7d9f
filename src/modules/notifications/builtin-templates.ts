/**
 * The customer milestones, their template ids, the placeholders each template may use, and the
 * built-in English wording Ordo sends when a channel has not written its own.
 */

export const templateIds = [
  'order_confirmed',
  'order_shipped',
  'out_for_delivery',
  'order_delivered',
  'order_delayed',
  'backorder_date_changed',
  'return_received',
  'refund_issued',
] as const;
export type TemplateId = (typeof templateIds)[number];

export const isTemplateId = (value: string): value is TemplateId =>
  (templateIds as readonly string[]).includes(value);

/** Every template may use these. */
const common = ['customer_name', 'customer_email', 'order_number', 'status_link', 'channel', 'items'];
const parcel = ['carrier', 'tracking_number', 'tracking_url', 'shipment_number'];

export const placeholdersOf: Readonly<Record<TemplateId, readonly string[]>> = {
  order_confirmed: [...common, 'total', 'promised_delivery_date'],
  order_shipped: [...common, ...parcel, 'promised_delivery_date'],
  out_for_delivery: [...common, ...parcel],
  order_delivered: [...common, ...parcel],
  order_delayed: [...common, 'promised_delivery_date'],
  backorder_date_changed: [...common, 'previous_promised_delivery_date', 'promised_delivery_date'],
  return_received: [...common, 'return_number'],
  refund_issued: [...common, 'return_number', 'refund_amount'],
};

export interface TemplateText {
  subject: string;
  text: string;
  html: string | null;
}

const footer = '\n\nSee your order at any time: {{status_link}}';
const htmlFooter = '<p><a href="{{status_link}}">See your order</a></p>';

const builtin = (subject: string, body: string): TemplateText => ({
  subject,
  text: `Hello {{customer_name}},\n\n${body}${footer}`,
  html: `<p>Hello {{customer_name}},</p><p>${body.replaceAll('\n', '<br>')}</p>${htmlFooter}`,
});

/** The wording of each template in English, used when the channel has none for the locale. */
export const builtinTemplates: Readonly<Record<TemplateId, TemplateText>> = {
  order_confirmed: builtin(
    'Order {{order_number}} is confirmed',
    'Thank you for your order {{order_number}}. We are getting it ready:\n{{items}}\nTotal: {{total}}',
  ),
  order_shipped: builtin(
    'Order {{order_number}} has shipped',
    'Your order {{order_number}} is on its way with {{carrier}}, tracking number {{tracking_number}}:\n{{items}}\nTrack it: {{tracking_url}}',
  ),
  out_for_delivery: builtin(
    'Order {{order_number}} is out for delivery',
    'Your parcel from order {{order_number}} is out for delivery today with {{carrier}} ({{tracking_number}}).',
  ),
  order_delivered: builtin(
    'Order {{order_number}} was delivered',
    'Your parcel from order {{order_number}} was delivered:\n{{items}}',
  ),
  order_delayed: builtin(
    'Order {{order_number}} is running late',
    'We promised order {{order_number}} by {{promised_delivery_date}} and it has not reached you yet. We are sorry for the wait; it is on its way as soon as we can.',
  ),
  backorder_date_changed: builtin(
    'New delivery date for order {{order_number}}',
    'Some items of order {{order_number}} are on backorder. We now expect to deliver it by {{promised_delivery_date}} (before: {{previous_promised_delivery_date}}).',
  ),
  return_received: builtin(
    'We received your return {{return_number}}',
    'Your return {{return_number}} for order {{order_number}} has arrived:\n{{items}}',
  ),
  refund_issued: builtin(
    'Your refund of {{refund_amount}} for order {{order_number}}',
    'We refunded {{refund_amount}} for your return {{return_number}} of order {{order_number}}.',
  ),
};
