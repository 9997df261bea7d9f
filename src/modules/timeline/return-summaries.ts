import type { returnEvents } from '../returns/index.js';
import {
  because,
  type Data,
  list,
  money,
  record,
  type Summarize,
  tail,
  text,
  units,
} from './summary-text.js';

/** The one-line sentences of the return.* and refund.* events. Pure. */

const returnOf = (data: Data) => record(data.return);
const named = (data: Data) => `Return ${text(returnOf(data).number)}`;

/** `1 × TSHIRT-BLK-M (size_or_fit)`, reasons listed once each. */
function returnedUnits(ret: Data): string {
  const lines = list(ret.lines);
  const reasons = [...new Set(lines.map((line) => text(line.reason, '')).filter((r) => r !== ''))];
  return `${units(lines)}${reasons.length === 0 ? '' : ` (${reasons.join(', ')})`}`;
}

/** The currency of the return's refunds (every refund of an order is in the order's currency). */
const currencyOf = (ret: Data) => list(ret.refunds)[0]?.currency;

export const returnSummaries = {
  'return.requested': (data) => {
    const ret = returnOf(data);
    const by = ret.initiated_by === 'customer' ? 'the customer' : 'the back office';
    const exchange = list(ret.replacement_lines);
    return `${named(data)} requested by ${by}: ${returnedUnits(ret)}${exchange.length === 0 ? '' : `, exchange for ${units(exchange)}`}`;
  },
  'return.authorized': (data) => `${named(data)} authorized`,
  'return.rejected': (data) => because(`${named(data)} rejected`, data.reason),
  'return.in_transit': (data) => {
    const ret = returnOf(data);
    return `${named(data)} on its way back${tail(' by ', ret.carrier)}${tail(', tracking ', ret.tracking_number)}`;
  },
  'return.received': (data) => {
    const received = list(data.lines).map((line) => `${units([line])}${tail(' ', line.condition, '')}`);
    return `${named(data)} received at ${text(data.location)}: ${received.length === 0 ? 'no units' : received.join(', ')}`;
  },
  'return.refunded': (data) =>
    `${named(data)} refunded: ${money(data.amount, currencyOf(returnOf(data)))} confirmed by the payment system`,
  'return.closed': (data) => because(`${named(data)} closed`, data.reason),
  'refund.requested': (data) => {
    const refund = record(data.refund);
    return `Refund of ${money(refund.amount, refund.currency)} requested for order ${text(data.order_number)}: the payment system should pay it`;
  },
} satisfies Record<keyof typeof returnEvents, Summarize>;
