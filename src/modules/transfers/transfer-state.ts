import type { transferStatuses } from '../../db/schema/transfers.js';
import { AppError } from '../../errors.js';

export type TransferStatus = (typeof transferStatuses)[number];

/**
 * The transfer lifecycle as data: each status and the statuses it may move to, and nothing else.
 * requested -> in_transit (shipTransfer: units leave the source) -> partially_received ->
 * received (receiveTransfer), or cancelled before anything arrived (cancelTransfer: shipped units go
 * back to the source).
 */
const transitions: Record<TransferStatus, readonly TransferStatus[]> = {
  requested: ['in_transit', 'cancelled'],
  in_transit: ['partially_received', 'received', 'cancelled'],
  partially_received: ['partially_received', 'received'],
  received: [],
  cancelled: [],
};

export const canTransferTransition = (from: TransferStatus, to: TransferStatus) =>
  transitions[from].includes(to);

export function assertTransferTransition(from: TransferStatus, to: TransferStatus): void {
  if (!canTransferTransition(from, to)) {
    throw new AppError('conflict', `A transfer that is ${from} cannot become ${to}`);
  }
}

/** Statuses in which shipped units are on their way: shipped, not yet all received. */
export const travelling: readonly TransferStatus[] = ['in_transit', 'partially_received'];
