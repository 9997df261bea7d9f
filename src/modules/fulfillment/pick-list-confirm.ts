import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { PickItem } from '../../db/schema/fulfillment.js';
import { pickLists } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import type { FulfillmentDeps } from './deps.js';
import { giveBack } from './give-back.js';
import { shortfallByLine } from './pick-list.js';
import { findPickList, type PickListRow, presentPickList } from './pick-list-store.js';
import type { ConfirmPickList, PickListView } from './pick-lists.schemas.js';
import { loadShipments, type ShipmentState } from './shipment-store.js';

/** What the picker found per SKU (the list's quantity when not told), and the units short per shipment line. */
function pickedItems(row: PickListRow, input: ConfirmPickList) {
  const errors: FieldError[] = [];
  const picked = new Map<string, number>();
  (input.items ?? []).forEach((entry, i) => {
    const item = row.items.find((it) => it.sku === entry.sku);
    if (!item) {
      errors.push(bodyError(`/items/${i}/sku`, `${entry.sku} is not on pick list ${row.id}`));
    } else if (entry.picked > item.quantity) {
      errors.push(
        bodyError(
          `/items/${i}/picked`,
          `the list asks for ${item.quantity} × ${entry.sku}, not ${entry.picked}`,
        ),
      );
    }
    picked.set(entry.sku, entry.picked);
  });
  if (errors.length > 0) {
    throw invalid(errors);
  }
  const missing = new Map<number, number>();
  const items: PickItem[] = row.items.map((item) => {
    const got = picked.get(item.sku) ?? item.quantity;
    for (const [lineId, units] of shortfallByLine(item, got)) {
      missing.set(lineId, units);
    }
    return { ...item, picked: got };
  });
  return { items, missing };
}

/**
 * Sends the units short in the batch's shipments back through routing, order by order: orders are
 * locked before their shipments, as everywhere. Returns whether any were short.
 */
async function giveBackShortUnits(
  deps: Pick<FulfillmentDeps, 'clock' | 'orders'>,
  tx: Executor,
  batch: ShipmentState[],
  missing: Map<number, number>,
  context: { pickListId: number; actor: string | null; events: NewEvent[] },
): Promise<boolean> {
  const shortShipments = batch.filter((state) => state.lines.some((line) => missing.has(line.id)));
  const orders = await deps.orders.lock(tx, [
    ...new Set(shortShipments.map((state) => state.shipment.orderId)),
  ]);
  let short = false;
  for (const order of orders) {
    let current = order;
    for (const peek of shortShipments.filter((s) => s.shipment.orderId === order.order.id)) {
      const [state] = await loadShipments(tx, [peek.shipment.id], { lock: true });
      if (state?.shipment.status !== 'picking') {
        continue;
      }
      const items = state.lines
        .filter((line) => missing.has(line.id))
        .map((line) => ({
          shipmentLineId: line.id,
          quantity: Math.min(line.quantity, missing.get(line.id) ?? 0),
        }));
      current = await giveBack(deps, tx, current, state, items, {
        reason: `short pick on pick list ${context.pickListId}`,
        writeOff: true,
        actor: context.actor,
        events: context.events,
      });
      short = true;
    }
  }
  return short;
}

/**
 * Records what the picker found. Units short of the list are taken off the shelf (a correction in
 * the ledger) and sent back through routing to another location, or onto a stock hold.
 */
export async function confirmPickList(
  deps: Pick<FulfillmentDeps, 'db' | 'clock' | 'orders' | 'rerouted' | 'stockFreed'>,
  id: number,
  input: ConfirmPickList,
  caller: Caller,
): Promise<PickListView> {
  const { view, short } = await inTransaction(deps.db, async (tx) => {
    const row = await findPickList(tx, id, caller, true);
    if (row.status !== 'open') {
      throw new AppError('conflict', `Pick list ${id} is already ${row.status}`);
    }
    const { items, missing } = pickedItems(row, input);
    const batch = await loadShipments(
      tx,
      row.packing.map((tote) => tote.shipment_id),
    );
    const events: NewEvent[] = [];
    const short = await giveBackShortUnits(deps, tx, batch, missing, {
      pickListId: id,
      actor: caller.keyId,
      events,
    });
    await tx.execute(sql`
      UPDATE shipment_lines SET quantity_picked = quantity
       WHERE shipment_id = ANY(${sql.param(batch.map((state) => state.shipment.id))}::uuid[])`);
    const [confirmed = row] = await tx
      .update(pickLists)
      .set({ status: 'confirmed', items, confirmedAt: deps.clock.now() })
      .where(eq(pickLists.id, id))
      .returning();
    await appendEvents(tx, events);
    return { view: await presentPickList(tx, confirmed), short };
  });
  if (short) {
    deps.rerouted?.();
    deps.stockFreed?.();
  }
  return view;
}
