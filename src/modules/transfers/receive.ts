import { inTransaction } from '../../db/transaction.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { transferIn } from '../inventory/index.js';
import type { TransferDeps } from './deps.js';
import { ledgerReference } from './ship.js';
import { transferEvent } from './transfer-events.js';
import { assertTransferTransition, travelling } from './transfer-state.js';
import {
  addReceived,
  findTransfer,
  presentTransfer,
  setTransferStatus,
  type TransferLine,
  type TransferState,
} from './transfer-store.js';
import type { ReceiveTransfer, TransferView } from './transfers.schemas.js';

/**
 * Each received item matched to its line, counting what earlier items of the request received: a SKU
 * not on the transfer, or more units than were shipped without `over_receipt`, is a field error.
 */
function matchReceipt(state: TransferState, input: ReceiveTransfer) {
  const errors: FieldError[] = [];
  const received = new Map(state.lines.map((line) => [line.id, line.quantityReceived]));
  const units = new Map<number, number>();
  const matched: Array<{ line: TransferLine; quantity: number }> = [];
  input.lines.forEach((item, i) => {
    const line = state.lines.find((l) => l.sku === item.sku);
    if (!line) {
      errors.push(bodyError(`/lines/${i}/sku`, `${item.sku} is not on transfer ${state.transfer.number}`));
      return;
    }
    const before = received.get(line.id) ?? 0;
    const over = before + item.quantity - line.quantityShipped;
    if (over > 0 && item.over_receipt !== true) {
      errors.push(
        bodyError(
          `/lines/${i}/quantity`,
          `${line.quantityShipped} of ${item.sku} were shipped and ${before} received: ${item.quantity} more is an over-receipt of ${over}; set over_receipt to receive them`,
        ),
      );
      return;
    }
    received.set(line.id, before + item.quantity);
    units.set(line.id, (units.get(line.id) ?? 0) + item.quantity);
    matched.push({ line, quantity: item.quantity });
  });
  const complete = state.lines.every((line) => (received.get(line.id) ?? 0) >= line.quantityShipped);
  return { errors, units, matched, complete };
}

/**
 * Receives units of a shipped transfer at its destination (partial receipts allowed): each goes into
 * the destination's on_hand under its level lock (a `transfer` row in the ledger each, availability
 * events follow). Once every shipped unit arrived, or with `complete`, the transfer is received and
 * units that never arrived are recorded as short; units beyond those shipped need `over_receipt` and
 * are recorded as over.
 */
export async function receiveTransfer(
  deps: Pick<TransferDeps, 'db' | 'clock' | 'stockAdded'>,
  id: string,
  input: ReceiveTransfer,
  caller: Caller,
): Promise<TransferView> {
  if (input.lines.length === 0 && input.complete !== true) {
    throw invalid([bodyError('/lines', 'name the units that arrived, or set complete: nothing more will')]);
  }
  const view = await inTransaction(deps.db, async (tx) => {
    const current = await findTransfer(tx, id, { lock: true });
    if (!travelling.includes(current.transfer.status)) {
      assertTransferTransition(current.transfer.status, 'received');
    }
    const receipt = matchReceipt(current, input);
    if (receipt.errors.length > 0) {
      throw invalid(receipt.errors);
    }
    await transferIn(
      tx,
      receipt.matched.map(({ line, quantity }) => ({
        productId: line.productId,
        locationId: current.transfer.destinationLocationId,
        quantity,
      })),
      { reference: ledgerReference(current), apiKeyId: caller.keyId },
    );
    await addReceived(tx, receipt.units);
    const complete = receipt.complete || input.complete === true;
    const now = deps.clock.now();
    await setTransferStatus(tx, current, complete ? 'received' : 'partially_received', {
      updatedAt: now,
      ...(complete ? { receivedAt: now } : {}),
    });
    const after = presentTransfer(await findTransfer(tx, id));
    await appendEvents(tx, [
      transferEvent('transfer.received', after, {
        receipt: { lines: input.lines.map(({ sku, quantity }) => ({ sku, quantity })), complete },
      }),
    ]);
    return after;
  });
  if (input.lines.length > 0) {
    deps.stockAdded?.();
  }
  return view;
}
