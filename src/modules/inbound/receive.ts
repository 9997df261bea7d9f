import type { Executor } from '../../db/client.js';
import type { InboundReceiptLine } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { receiveStockIn } from '../inventory/index.js';
import { repeatedSkus } from './create.js';
import type { ArrivalQueue, InboundDeps } from './deps.js';
import type { InboundReceipt, InboundShipmentView } from './inbound.schemas.js';
import { inboundEvent } from './inbound-events.js';
import { assertInboundTransition, open } from './inbound-state.js';
import {
  findInbound,
  type InboundLine,
  type InboundState,
  presentInbound,
  recordReceipt,
  setInboundStatus,
  touchInbound,
} from './inbound-store.js';

/** The inventory feed reference of a receipt: unique, as shipment numbers hold no `:`. */
export const ledgerReference = (state: InboundState, receipt: string) =>
  `inbound:${state.shipment.number}:${receipt}`;

/**
 * Each received item matched to its line: a SKU not on the shipment, or more units than the line
 * still expects without `over_receipt`, is a field error. `complete`: every line is then in full.
 */
function matchReceipt(state: InboundState, input: InboundReceipt) {
  const errors: FieldError[] = [];
  const matched: Array<{ line: InboundLine; quantity: number }> = [];
  const lines: InboundReceiptLine[] = [];
  input.lines.forEach((item, i) => {
    const line = state.lines.find((l) => l.sku === item.sku);
    if (!line) {
      errors.push(
        bodyError(`/lines/${i}/sku`, `${item.sku} is not on inbound shipment ${state.shipment.number}`),
      );
      return;
    }
    const left = Math.max(0, line.quantity - line.quantityReceived);
    const over = Math.max(0, item.quantity - left);
    if (over > 0 && item.over_receipt !== true) {
      errors.push(
        bodyError(
          `/lines/${i}/quantity`,
          `${line.quantity} of ${item.sku} were expected and ${line.quantityReceived} received: ${item.quantity} more is an over-receipt of ${over}; set over_receipt to receive them`,
        ),
      );
      return;
    }
    matched.push({ line, quantity: item.quantity });
    lines.push({ sku: item.sku, quantity: item.quantity, over });
  });
  const added = (line: InboundLine) =>
    matched.filter((m) => m.line.id === line.id).reduce((sum, m) => sum + m.quantity, 0);
  const complete = state.lines.every((line) => line.quantityReceived + added(line) >= line.quantity);
  return { errors, matched, lines, complete };
}

/**
 * Puts the received units on hand at the shipment's location. The orders waiting for them are locked
 * first, then the stock (the lock order of every stock change): nothing can take the units before them.
 * Returns those orders, for the receipt to serve once it is recorded.
 */
async function putOnHand(
  deps: Pick<InboundDeps, 'clock' | 'backorders'>,
  tx: Executor,
  state: InboundState,
  matched: Array<{ line: InboundLine; quantity: number }>,
  { reference, caller }: { reference: string; caller: Caller },
): Promise<ArrivalQueue | undefined> {
  if (matched.length === 0) {
    return undefined;
  }
  const queue = await deps.backorders.lockForArrival(tx, {
    locationId: state.shipment.locationId,
    units: matched.map(({ line, quantity }) => ({ productId: line.productId, quantity })),
  });
  const items = matched.map(({ line, quantity }) => ({ sku: line.sku, location: state.location, quantity }));
  const fed = await receiveStockIn(tx, deps.clock, { reference, items }, { apiKeyId: caller.keyId });
  if (!fed.applied) {
    throw new AppError('conflict', `The inventory feed reference "${reference}" was already used`);
  }
  return queue;
}

/** Moves the shipment on after a receipt; returns the status events that go with it. */
async function advance(
  tx: Executor,
  state: InboundState,
  closing: boolean,
  now: Date,
): Promise<Array<'inbound_shipment.in_transit' | 'inbound_shipment.received'>> {
  if (closing) {
    await setInboundStatus(tx, state, 'received', { receivedAt: now, updatedAt: now });
    return ['inbound_shipment.received'];
  }
  if (state.shipment.status === 'expected') {
    // Part of it arrived without a ship notice: the rest is on its way.
    await setInboundStatus(tx, state, 'in_transit', { shippedAt: now, updatedAt: now });
    return ['inbound_shipment.in_transit'];
  }
  await touchInbound(tx, state, now);
  return [];
}

/**
 * Receives units of an expected or in-transit shipment (partial receipts allowed): they go on hand at
 * its location as a `receipt` adjustment (ledger, availability events, the location's feed time), in
 * the same transaction. Once every line arrived in full, or with `close`, the shipment is received and
 * what never arrived is recorded as short; units beyond those expected need `over_receipt` and are
 * recorded as over. A receipt reference already applied to the shipment changes nothing. Backordered
 * orders waiting for the units are allocated first, in the same transaction, first in, first out.
 */
export async function receiveInbound(
  deps: Pick<InboundDeps, 'db' | 'clock' | 'backorders' | 'stockAdded' | 'allocated'>,
  id: string,
  input: InboundReceipt,
  caller: Caller,
): Promise<{ view: InboundShipmentView; applied: boolean }> {
  if (input.lines.length === 0 && input.close !== true) {
    throw invalid([bodyError('/lines', 'name the units that arrived, or set close: nothing more will')]);
  }
  const repeated = repeatedSkus(input.lines);
  if (repeated.length > 0) {
    throw invalid(repeated);
  }
  const result = await inTransaction(deps.db, async (tx) => {
    const current = await findInbound(tx, id, { lock: true });
    if (current.receipts.some((receipt) => receipt.reference === input.reference)) {
      return { view: presentInbound(current), applied: false, filled: 0 };
    }
    if (!open.includes(current.shipment.status)) {
      assertInboundTransition(current.shipment.status, 'received');
    }
    const receipt = matchReceipt(current, input);
    if (receipt.errors.length > 0) {
      throw invalid(receipt.errors);
    }
    const queue = await putOnHand(deps, tx, current, receipt.matched, {
      reference: ledgerReference(current, input.reference),
      caller,
    });
    const now = deps.clock.now();
    const closing = receipt.complete || input.close === true;
    await recordReceipt(tx, current, {
      reference: input.reference,
      lines: receipt.lines,
      units: new Map(receipt.matched.map(({ line, quantity }) => [line.id, quantity])),
      closed: closing && !receipt.complete,
      createdBy: caller.keyId,
      receivedAt: now,
    });
    const moved = await advance(tx, current, closing, now);
    const view = presentInbound(await findInbound(tx, id));
    const events: NewEvent[] = [
      inboundEvent('inbound_shipment.receipt', view, {
        receipt: { reference: input.reference, lines: receipt.lines, closed: closing && !receipt.complete },
      }),
      ...moved.map((type) => inboundEvent(type, view)),
    ];
    await appendEvents(tx, moved.includes('inbound_shipment.in_transit') ? events.reverse() : events);
    // The waiting orders take the units first, in their order; what still waits is promised again
    // (the shipment expects fewer units now, or none if it closed short).
    const filled = queue ? await deps.backorders.fillArrival(tx, queue) : 0;
    await deps.backorders.repromise(
      tx,
      current.lines.map((line) => line.productId),
      'inbound_received',
      queue,
    );
    return { view, applied: true, filled };
  });
  if (result.applied && input.lines.length > 0) {
    deps.stockAdded?.();
  }
  if (result.filled > 0) {
    deps.allocated?.();
  }
  return { view: result.view, applied: result.applied };
}
