import { accountSummaries } from './account-summaries.js';
import { inboundSummaries } from './inbound-summaries.js';
import { orderSummaries } from './order-summaries.js';
import {
  alertSummaries,
  inventorySummaries,
  notificationSummaries,
  trackingSummaries,
  transferSummaries,
  webhookSummaries,
} from './other-summaries.js';
import { returnSummaries } from './return-summaries.js';
import { shipmentSummaries } from './shipment-summaries.js';
import { record, type Summarize } from './summary-text.js';

/**
 * One sentence per event type, for people reading a timeline: "Order 100001 captured from web: 2 ×
 * TSHIRT-BLK-M, 44.98 USD". Pure: the sentence depends on the event alone. Each family's list must
 * name every type its module declares (a compile error otherwise); a test checks that every type in
 * the event catalog, whichever module declares it, has one.
 */
const summaries: Readonly<Record<string, Summarize>> = {
  ...orderSummaries,
  ...shipmentSummaries,
  ...returnSummaries,
  ...inventorySummaries,
  ...transferSummaries,
  ...inboundSummaries,
  ...accountSummaries,
  ...webhookSummaries,
  ...alertSummaries,
  ...trackingSummaries,
  ...notificationSummaries,
};

export const hasSummary = (type: string): boolean => Object.hasOwn(summaries, type);

/**
 * The sentence of one event. A type without a sentence of its own (declared after this list was
 * written) gets `fallback`'s, the event catalog's description of the type, rather than nothing.
 */
export function summarize(
  event: { type: string; data: unknown },
  fallback: (type: string) => string | undefined = () => undefined,
): string {
  const sentence = hasSummary(event.type) ? summaries[event.type] : undefined;
  return sentence ? sentence(record(event.data)) : (fallback(event.type) ?? event.type);
}
