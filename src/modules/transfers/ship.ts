import { inTransaction } from '../../db/transaction.js';
import { bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { transferOut } from '../inventory/index.js';
import type { TransferDeps } from './deps.js';
import { transferEvent } from './transfer-events.js';
import { assertTransferTransition } from './transfer-state.js';
import {
  findTransfer,
  markLinesShipped,
  presentTransfer,
  setTransferStatus,
  type TransferState,
} from './transfer-store.js';
import type { ShipTransfer, TransferView } from './transfers.schemas.js';

/** The ledger reference of a transfer's stock movements. */
export const ledgerReference = (state: TransferState) => `transfer:${state.transfer.id}`;

/**
 * Ships a requested transfer: under the transfer's lock, then the source's level locks (in the order
 * every stock change takes them), each line's units leave the source's on_hand (a `transfer` row in
 * the ledger each; they stop being available there) and are in transit. A line asking for more than
 * is free at the source now is a 422 naming it, and nothing changes.
 */
export async function shipTransfer(
  deps: Pick<TransferDeps, 'db' | 'clock'>,
  id: string,
  input: ShipTransfer,
  caller: Caller,
): Promise<TransferView> {
  return inTransaction(deps.db, async (tx) => {
    const current = await findTransfer(tx, id, { lock: true });
    assertTransferTransition(current.transfer.status, 'in_transit');
    const out = await transferOut(
      tx,
      current.lines.map((line) => ({
        productId: line.productId,
        locationId: current.transfer.sourceLocationId,
        quantity: line.quantity,
      })),
      { reference: ledgerReference(current), apiKeyId: caller.keyId },
    );
    if (!out.ok) {
      throw invalid(
        out.short.map(({ index, free }) => {
          const line = current.lines[index];
          return bodyError(
            `/lines/${index}/quantity`,
            `transfer ${current.transfer.number} asks for ${line?.quantity} of ${line?.sku}; only ${free} are free at ${current.source} (on hand, neither reserved, damaged nor in quality control)`,
          );
        }),
        'More is asked than is free at the source; nothing changed',
      );
    }
    await markLinesShipped(tx, current.transfer.id);
    const now = deps.clock.now();
    await setTransferStatus(tx, current, 'in_transit', {
      shippedAt: now,
      updatedAt: now,
      carrier: input.carrier ?? null,
      trackingNumber: input.tracking_number ?? null,
    });
    const view = presentTransfer(await findTransfer(tx, id));
    await appendEvents(tx, [transferEvent('transfer.shipped', view)]);
    return view;
  });
}
