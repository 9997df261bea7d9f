import { inTransaction } from '../../db/transaction.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { transferIn } from '../inventory/index.js';
import type { TransferDeps } from './deps.js';
import { ledgerReference } from './ship.js';
import { transferEvent } from './transfer-events.js';
import { assertTransferTransition } from './transfer-state.js';
import { findTransfer, presentTransfer, setTransferStatus } from './transfer-store.js';
import type { TransferView } from './transfers.schemas.js';

/**
 * Cancels a transfer before anything of it was received (a 409 after): units already shipped go back
 * into the source's on_hand under its level locks (a `transfer` row in the ledger each).
 */
export async function cancelTransfer(
  deps: Pick<TransferDeps, 'db' | 'clock' | 'stockAdded'>,
  id: string,
  reason: string | undefined,
  caller: Caller,
): Promise<TransferView> {
  const { view, returned } = await inTransaction(deps.db, async (tx) => {
    const current = await findTransfer(tx, id, { lock: true });
    assertTransferTransition(current.transfer.status, 'cancelled');
    const back = current.lines
      .map((line) => ({
        productId: line.productId,
        locationId: current.transfer.sourceLocationId,
        quantity: line.quantityShipped - line.quantityReceived,
      }))
      .filter((item) => item.quantity > 0);
    await transferIn(tx, back, { reference: ledgerReference(current), apiKeyId: caller.keyId });
    const now = deps.clock.now();
    await setTransferStatus(tx, current, 'cancelled', {
      cancelledAt: now,
      updatedAt: now,
      cancelReason: reason ?? null,
    });
    const after = presentTransfer(await findTransfer(tx, id));
    await appendEvents(tx, [transferEvent('transfer.cancelled', after)]);
    return { view: after, returned: back.length > 0 };
  });
  if (returned) {
    deps.stockAdded?.();
  }
  return view;
}
