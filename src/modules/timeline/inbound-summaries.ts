import type { inboundEvents } from '../inbound/index.js';
import { count, type Data, list, plural, record, type Summarize, text } from './summary-text.js';

/** The one-line sentences of the inbound_shipment.* events (not on an order's timeline). Pure. */

const total = (lines: unknown, field: string) =>
  list(lines).reduce((sum, line) => sum + count(line[field]), 0);

/** "Inbound shipment PO-2026-1187 to NJ-DC in transit: 248 units expected 2026-12-04". */
const announced = (verb: string) => (data: Data) => {
  const shipment = record(data.inbound_shipment);
  return `Inbound shipment ${text(shipment.reference)} to ${text(shipment.location)} ${verb}: ${plural(total(shipment.lines, 'quantity'), 'unit')} expected ${text(shipment.expected_date)}`;
};

export const inboundSummaries = {
  'inbound_shipment.created': announced('announced'),
  'inbound_shipment.in_transit': announced('in transit'),
  'inbound_shipment.rescheduled': (data) => {
    const shipment = record(data.inbound_shipment);
    return `Inbound shipment ${text(shipment.reference)} to ${text(shipment.location)} now expected ${text(shipment.expected_date)} (was ${text(data.previous_expected_date)})`;
  },
  'inbound_shipment.receipt': (data) => {
    const shipment = record(data.inbound_shipment);
    const receipt = record(data.receipt);
    const over = total(receipt.lines, 'over');
    return `Inbound shipment ${text(shipment.reference)}: ${plural(total(receipt.lines, 'quantity'), 'unit')} received at ${text(shipment.location)}${over > 0 ? ` (${over} over)` : ''}${receipt.closed === true ? ', closed short' : ''}`;
  },
  'inbound_shipment.received': (data) => {
    const shipment = record(data.inbound_shipment);
    const short = total(shipment.lines, 'short');
    return `Inbound shipment ${text(shipment.reference)} received at ${text(shipment.location)}: ${plural(total(shipment.lines, 'received'), 'unit')}${short > 0 ? `, ${short} short` : ''}`;
  },
  'inbound_shipment.cancelled': announced('cancelled'),
} satisfies Record<keyof typeof inboundEvents, Summarize>;
