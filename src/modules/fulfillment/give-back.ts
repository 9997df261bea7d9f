import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shipments } from '../../db/schema/index.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import { releaseUnits } from '../allocation/index.js';
import type { NewEvent } from '../events/index.js';
import { writeOff } from '../inventory/index.js';
import type { OrderState } from '../orders/index.js';
import type { FulfillmentDeps } from './deps.js';
import { assertShipmentTransition } from './shipment-state.js';
import { reloadShipment, type ShipmentState } from './shipment-store.js';
import { shipmentEvent } from './shipment-view.js';

/** Units a location hands back: a rejected line, a short pick, units a WMS did not ship. */
export interface GiveBack {
  shipmentLineId: number;
  quantity: number;
}

/** Resolves SKU quantities in a request to the shipment's lines, every bad row reported. */
export function linesBySku(
  state: ShipmentState,
  requested: Array<{ sku: string; quantity: number }>,
): GiveBack[] {
  const errors: FieldError[] = [];
  const wanted = new Map<number, number>();
  requested.forEach((item, i) => {
    const line = state.lines.find((l) => l.sku === item.sku && l.quantity > 0);
    if (!line) {
      errors.push(bodyError(`/lines/${i}/sku`, `${item.sku} is not in shipment ${state.shipment.number}`));
      return;
    }
    const total = (wanted.get(line.id) ?? 0) + item.quantity;
    if (total > line.quantity) {
      errors.push(
        bodyError(
          `/lines/${i}/quantity`,
          `the shipment carries ${line.quantity} × ${item.sku}, not ${total}`,
        ),
      );
    }
    wanted.set(line.id, total);
  });
  if (errors.length > 0) {
    throw invalid(errors);
  }
  return [...wanted].map(([shipmentLineId, quantity]) => ({ shipmentLineId, quantity }));
}

/**
 * Takes the units out of the shipment's lines and releases their reservations at its location (with
 * `writeOff`, the shelf's on_hand is corrected too). Returns the units released per order line.
 */
async function takeOut(
  tx: Executor,
  order: OrderState,
  state: ShipmentState,
  items: GiveBack[],
  options: { writeOff: boolean; actor: string | null },
): Promise<Map<number, number>> {
  const released = new Map<number, number>();
  const corrections = [];
  for (const item of items) {
    const shipmentLine = state.lines.find((line) => line.id === item.shipmentLineId);
    const line = order.lines.find((l) => l.id === shipmentLine?.orderLineId);
    if (!shipmentLine || !line) {
      continue;
    }
    await tx.execute(sql`
      UPDATE shipment_lines
         SET quantity = quantity - ${item.quantity},
             quantity_scanned = least(quantity_scanned, quantity - ${item.quantity}),
             quantity_picked = least(quantity_picked, quantity - ${item.quantity})
       WHERE id = ${shipmentLine.id}`);
    const units = await releaseUnits(tx, line.id, item.quantity, state.location.id);
    released.set(line.id, (released.get(line.id) ?? 0) + units);
    if (options.writeOff) {
      corrections.push({ productId: line.productId, locationId: state.location.id, quantity: item.quantity });
    }
  }
  await writeOff(tx, corrections, {
    reference: `shipment:${state.shipment.number}`,
    apiKeyId: options.actor,
  });
  return released;
}

/**
 * Takes units out of a shipment still in the building and sends them back through routing, with
 * the location excluded: their reservation there is released (and with `writeOff`, the shelf's
 * on_hand corrected), then the order settles again: the units are reserved elsewhere, backordered,
 * or put on a stock hold. A shipment left with nothing is cancelled. The shipment's events go to
 * `events` for the caller to append. Runs under the order's lock.
 */
export async function giveBack(
  deps: Pick<FulfillmentDeps, 'clock' | 'orders'>,
  tx: Executor,
  order: OrderState,
  state: ShipmentState,
  items: GiveBack[],
  options: { reason: string; writeOff: boolean; actor: string | null; events: NewEvent[] },
): Promise<OrderState> {
  const wanted = items.filter((item) => item.quantity > 0);
  if (wanted.length === 0) {
    return order;
  }
  const released = await takeOut(tx, order, state, wanted, options);
  const after = await reloadShipment(tx, state.shipment.id);
  if (after.lines.every((line) => line.quantity === 0)) {
    assertShipmentTransition(after.shipment.status, 'cancelled');
    await tx
      .update(shipments)
      .set({ status: 'cancelled', updatedAt: deps.clock.now() })
      .where(eq(shipments.id, after.shipment.id));
    const cancelled = { ...after, shipment: { ...after.shipment, status: 'cancelled' as const } };
    options.events.push(shipmentEvent(cancelled, 'shipment.cancelled', { reason: options.reason }));
  } else {
    options.events.push(
      shipmentEvent(after, 'shipment.updated', { change: 'lines_given_back', reason: options.reason }),
    );
  }
  return deps.orders.reroute(tx, order, {
    released,
    from: { locationId: state.location.id, code: state.location.code },
    shipmentId: state.shipment.id,
    reason: options.reason,
    actor: options.actor,
  });
}
