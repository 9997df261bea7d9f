import type { orderStatuses } from '../../db/schema/orders.js';
import { AppError } from '../../errors.js';

export type OrderStatus = (typeof orderStatuses)[number];

/**
 * The order lifecycle as data: each status and the statuses it may move to. Capture passes through
 * received and validated inside one transaction; everything else moves by these edges only.
 */
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  received: ['validated', 'on_hold', 'cancelled'],
  validated: ['allocated', 'backordered', 'on_hold', 'cancelled'],
  on_hold: ['on_hold', 'allocated', 'backordered', 'cancelled'],
  backordered: ['backordered', 'allocated', 'on_hold', 'cancelled'],
  allocated: ['allocated', 'backordered', 'on_hold', 'released', 'cancelled'],
  released: ['partially_shipped', 'shipped', 'on_hold', 'cancelled'],
  partially_shipped: ['partially_shipped', 'shipped', 'delivered'],
  shipped: ['delivered', 'partially_returned', 'returned'],
  delivered: ['partially_returned', 'returned'],
  partially_returned: ['partially_returned', 'returned'],
  returned: [],
  cancelled: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => transitions[from].includes(to);

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('conflict', `An order that is ${from} cannot become ${to}`);
  }
}

/** Statuses in which the order's lines and addresses may still be edited or its lines cancelled. */
export const editable: readonly OrderStatus[] = [
  'received',
  'validated',
  'on_hold',
  'backordered',
  'allocated',
];

export interface LineQuantities {
  quantity: number;
  allocated: number;
  backordered: number;
  cancelled: number;
  shipped: number;
}

/** Units of a line that still need stock: ordered, not cancelled, shipped or already reserved. */
export const unallocated = (line: LineQuantities) =>
  line.quantity - line.cancelled - line.shipped - line.allocated;

/** Where an order stands before release, from its lines and open holds. */
export function settledStatus(lines: LineQuantities[], openHolds: number): OrderStatus {
  if (lines.every((line) => line.cancelled === line.quantity)) {
    return 'cancelled';
  }
  if (openHolds > 0) {
    return 'on_hold';
  }
  return lines.some((line) => line.backordered > 0) ? 'backordered' : 'allocated';
}
