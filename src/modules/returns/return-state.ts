import type { returnStatuses } from '../../db/schema/returns.js';
import { AppError } from '../../errors.js';

export type ReturnStatus = (typeof returnStatuses)[number];

/** The return (RMA) lifecycle as data: each status and the statuses it may move to. */
const transitions: Record<ReturnStatus, readonly ReturnStatus[]> = {
  requested: ['authorized', 'rejected'],
  authorized: ['in_transit', 'received', 'rejected', 'closed'],
  in_transit: ['received', 'closed'],
  // Partial receipts: a received return may receive more until it is refunded or closed.
  received: ['received', 'refunded', 'closed'],
  refunded: [],
  closed: [],
  rejected: [],
};

export function assertReturnTransition(from: ReturnStatus, to: ReturnStatus): void {
  if (!transitions[from].includes(to)) {
    throw new AppError('conflict', `A return that is ${from} cannot become ${to}`);
  }
}

/** Returns whose units have arrived (all or some): an exchange released on receipt may go. */
export const arrived: readonly ReturnStatus[] = ['received', 'refunded'];

/** Returns whose units are still on their way back (or partly received): they count against returnable units. */
export const openReturnStatuses: readonly ReturnStatus[] = [
  'requested',
  'authorized',
  'in_transit',
  'received',
];
