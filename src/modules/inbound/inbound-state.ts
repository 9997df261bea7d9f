import type { inboundShipmentStatuses } from '../../db/schema/inbound.js';
import { AppError } from '../../errors.js';

export type InboundStatus = (typeof inboundShipmentStatuses)[number];

/**
 * The inbound shipment lifecycle as data: each status and the statuses it may move to, and nothing
 * else. expected -> in_transit (shipped by the supplier, or a first partial receipt) -> received
 * (every line in full, or closed short by a receipt); an expected shipment that arrives whole without
 * a ship notice is received at once. Cancelled before anything was received.
 */
const transitions: Record<InboundStatus, readonly InboundStatus[]> = {
  expected: ['in_transit', 'received', 'cancelled'],
  in_transit: ['received', 'cancelled'],
  received: [],
  cancelled: [],
};

export const canInboundTransition = (from: InboundStatus, to: InboundStatus) =>
  transitions[from].includes(to);

export function assertInboundTransition(from: InboundStatus, to: InboundStatus): void {
  if (!canInboundTransition(from, to)) {
    throw new AppError('conflict', `An inbound shipment that is ${from} cannot become ${to}`);
  }
}

/** Statuses in which units are still expected: they show as `incoming` in availability and take receipts. */
export const open: readonly InboundStatus[] = ['expected', 'in_transit'];
