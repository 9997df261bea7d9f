import type { alertEvents } from '../alerts/index.js';
import type { inventoryEvents } from '../inventory/index.js';
import type { notificationEvents } from '../notifications/index.js';
import type { trackingEvents } from '../tracking/index.js';
import type { transferEvents } from '../transfers/index.js';
import type { webhookEvents } from '../webhooks/index.js';
import { count, type Data, list, plural, record, type Summarize, tail, text } from './summary-text.js';

/**
 * The one-line sentences of the inventory.*, webhook.* and alert.* events (not on an order's timeline),
 * and of the status_link.* and notification.* events (on it: what the order's customer can see and was told). Pure.
 */

export const inventorySummaries = {
  'inventory.availability_changed': (data) =>
    `${text(data.channel)} may now sell ${text(data.available)} of ${text(data.sku)} (was ${text(data.previous)})`,
  'inventory.shortfall': (data) =>
    `${text(data.sku)} at ${text(data.location)} is short by ${text(data.short_by)}: ${text(data.on_hand)} on hand, ${text(data.reserved)} reserved${tail(' (feed ', data.reference, ')')}`,
} satisfies Record<keyof typeof inventoryEvents, Summarize>;

const units = (lines: unknown) => list(lines).reduce((sum, line) => sum + count(line.quantity), 0);

/** "Transfer 42 NJ-DC → NYC-STORE shipped: 30 units". */
const transferred = (verb: string) => (data: Data) => {
  const transfer = record(data.transfer);
  return `Transfer ${text(transfer.number)} ${text(transfer.source)} → ${text(transfer.destination)} ${verb}: ${plural(units(transfer.lines), 'unit')}`;
};

export const transferSummaries = {
  'transfer.created': transferred('requested'),
  'transfer.shipped': transferred('shipped'),
  'transfer.received': (data) => {
    const transfer = record(data.transfer);
    const receipt = record(data.receipt);
    return `Transfer ${text(transfer.number)}: ${plural(units(receipt.lines), 'unit')} received at ${text(transfer.destination)}${receipt.complete === true ? ', now complete' : ''}`;
  },
  'transfer.cancelled': transferred('cancelled'),
} satisfies Record<keyof typeof transferEvents, Summarize>;

export const webhookSummaries = {
  'webhook.delivery_exhausted': (data) => {
    const last =
      text(data.last_status, '') === ''
        ? tail('; last error: ', data.last_error)
        : tail('; last status ', data.last_status);
    return `Webhook delivery of ${text(data.event_type)} #${text(data.event_sequence)} to ${text(record(data.subscription).url)} given up after ${text(data.attempts)} attempts${last}`;
  },
  'webhook.subscription_disabled': (data) =>
    `Webhook subscription to ${text(record(data.subscription).url)} disabled: ${text(data.reason)}`,
} satisfies Record<keyof typeof webhookEvents, Summarize>;

/** An alert carries its own sentence (`summary`); the event says what happened to the alert. */
const alert = (verb: string) => (data: Data) =>
  `Alert ${text(data.id)} ${verb} (rule ${text(data.rule)})${tail(': ', data.summary)}`;

export const alertSummaries = {
  'alert.raised': alert('raised'),
  'alert.acknowledged': alert('acknowledged'),
  'alert.resolved': alert('resolved'),
} satisfies Record<keyof typeof alertEvents, Summarize>;

export const trackingSummaries = {
  'status_link.renewed': (data) =>
    `New status link issued for order ${text(data.order_number)}: earlier links no longer work`,
  'status_link.revoked': (data) =>
    `Status link of order ${text(data.order_number)} revoked: the customer's page answers 404`,
} satisfies Record<keyof typeof trackingEvents, Summarize>;
/** "order_shipped for order 100042 to ada@example.com". */
const notification = (data: Data) =>
  `${text(data.template)} for order ${text(data.order_number)} to ${text(record(data.recipient).email)}`;

export const notificationSummaries = {
  'notification.requested': (data) => `Customer notification requested: ${notification(data)}`,
  'notification.sent': (data) => `Customer e-mail sent: ${notification(data)}`,
  'notification.failed': (data) =>
    `Customer e-mail failed after ${text(data.attempts)} attempts: ${notification(data)}${tail(' (', data.last_error, ')')}`,
} satisfies Record<keyof typeof notificationEvents, Summarize>;
