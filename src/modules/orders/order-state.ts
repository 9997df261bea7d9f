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
  // Back from a re-route, an allocated order may already have parcels out (or delivered).
  allocated: [
    'allocated',
    'backordered',
    'on_hold',
    'released',
    'partially_shipped',
    'shipped',
    'delivered',
    'cancelled',
  ],
  // A released order goes back to allocated when a location gives units back and they are re-routed.
  released: ['released', 'partially_shipped', 'shipped', 'allocated', 'backordered', 'on_hold', 'cancelled'],
  partially_shipped: [
    'partially_shipped',
    'shipped',
    'delivered',
    'allocated',
    'backordered',
    'on_hold',
    'cancelled',
  ],
  shipped: ['shipped', 'delivered', 'partially_returned', 'returned'],
  delivered: ['partially_returned', 'returned'],
  partially_returned: ['partially_returned', 'returned'],
  returned: [],
  cancelled: [],
};

/** The release time of an order that waits for something else (an exchange for its return) until told. */
export const awaitingRelease = new Date('9999-12-31T00:00:00Z');

/** When an order that is allocated now is due for release: after the channel's edit window. */
export const releaseDue = (now: Date, channel: { releaseDelayMinutes: number }) =>
  new Date(now.getTime() + channel.releaseDelayMinutes * 60_000);

export const canTransition = (from: OrderStatus, to: OrderStatus) => transitions[from].includes(to);

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('conflict', `An order that is ${from} cannot become ${to}`);
  }
}

/** Statuses from which an order's reserved units are released into shipments (again, after a re-route). */
export const releasable: readonly OrderStatus[] = ['allocated', 'released', 'partially_shipped'];

/** Statuses that move on with their shipments' progress (partially shipped, shipped, delivered). */
export const followsShipments: readonly OrderStatus[] = [
  'allocated',
  'released',
  'partially_shipped',
  'shipped',
];

/** Statuses after release in which units still in pending shipments may be cancelled. */
export const cancellableInShipments: readonly OrderStatus[] = ['released', 'partially_shipped'];

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

/**
 * Where a released order stands from its lines and its shipments' statuses: shipped once every
 * unit not cancelled has left, delivered once every parcel that left has arrived. Undefined while
 * nothing has shipped (the order keeps its status).
 */
export function fulfillmentStatus(
  lines: LineQuantities[],
  shipments: ReadonlyArray<{ status: string }>,
): OrderStatus | undefined {
  const open = lines.reduce((sum, line) => sum + line.quantity - line.cancelled, 0);
  const shipped = lines.reduce((sum, line) => sum + line.shipped, 0);
  if (open === 0) {
    return 'cancelled';
  }
  if (shipped === 0) {
    return undefined;
  }
  if (shipped < open) {
    return 'partially_shipped';
  }
  const left = shipments.filter((s) =>
    ['shipped', 'in_transit', 'delivered', 'exception'].includes(s.status),
  );
  return left.every((s) => s.status === 'delivered') ? 'delivered' : 'shipped';
}

/** Order statuses with shipped units that can come back. */
export const returnable: readonly OrderStatus[] = [
  'partially_shipped',
  'shipped',
  'delivered',
  'partially_returned',
];

/**
 * Where an order stands after units came back: returned once every shipped unit is back. Undefined
 * while units are still to ship (a partially shipped order keeps its status).
 */
export function returnStatus(
  status: OrderStatus,
  lines: ReadonlyArray<{ shipped: number; returned: number }>,
): OrderStatus | undefined {
  if (!['shipped', 'delivered', 'partially_returned'].includes(status)) {
    return undefined;
  }
  const shipped = lines.reduce((sum, line) => sum + line.shipped, 0);
  const back = lines.reduce((sum, line) => sum + line.returned, 0);
  return back >= shipped ? 'returned' : 'partially_returned';
}
