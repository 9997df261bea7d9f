import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { NewEvent } from '../events/index.js';
import type { FulfillmentDeps } from './deps.js';
import { giveBack, linesBySku } from './give-back.js';
import { markShipped } from './ship.js';
import { inBuilding } from './shipment-state.js';
import { lockWithOrder, reloadShipment } from './shipment-store.js';
import { presentShipment } from './shipment-view.js';
import type { ConfirmShipment, ShipmentView } from './shipments.schemas.js';

/**
 * A WMS reports that it shipped the shipment: the units it names (all by default) are consumed,
 * the rest go back through routing. A repeat with the same tracking number returns the shipment.
 */
export async function confirm(
  deps: FulfillmentDeps,
  id: string,
  input: ConfirmShipment,
  caller: Caller,
): Promise<ShipmentView> {
  const result = await inTransaction(deps.db, async (tx) => {
    const { order, shipment } = await lockWithOrder(deps, tx, id, caller);
    if (shipment.location.fulfillment !== 'external_wms') {
      throw new AppError(
        'conflict',
        `${shipment.location.code} is run through Ordo: its shipments are scanned, packed and shipped, not confirmed`,
      );
    }
    if (!inBuilding.includes(shipment.shipment.status)) {
      if (shipment.shipment.trackingNumber === input.tracking_number) {
        return { state: shipment, rerouted: false };
      }
      throw new AppError(
        'conflict',
        `Shipment ${shipment.shipment.number} is already ${shipment.shipment.status}${shipment.shipment.trackingNumber ? ` with tracking number ${shipment.shipment.trackingNumber}` : ''}`,
      );
    }
    const shippedLines = input.lines
      ? linesBySku(shipment, input.lines)
      : shipment.lines.map((line) => ({ shipmentLineId: line.id, quantity: line.quantity }));
    const quantities = new Map(shippedLines.map((item) => [item.shipmentLineId, item.quantity]));
    if ([...quantities.values()].every((quantity) => quantity === 0)) {
      throw invalid([bodyError('/lines', 'a confirmation ships at least one unit')]);
    }
    const events: NewEvent[] = [];
    const unshipped = shipment.lines
      .map((line) => ({ shipmentLineId: line.id, quantity: line.quantity - (quantities.get(line.id) ?? 0) }))
      .filter((item) => item.quantity > 0);
    if (unshipped.length > 0) {
      await giveBack(deps, tx, order, shipment, unshipped, {
        reason: 'not shipped by the WMS',
        writeOff: false,
        actor: caller.keyId,
        events,
      });
    }
    const state = unshipped.length > 0 ? await reloadShipment(tx, id) : shipment;
    const label = {
      carrier: input.carrier,
      service: input.service,
      trackingNumber: input.tracking_number,
      trackingUrl: input.tracking_url ?? null,
      cost: input.cost ?? null,
    };
    const everything = new Map(state.lines.map((line) => [line.id, line.quantity]));
    const shipped = await markShipped(deps, tx, state, label, everything, caller, events);
    return { state: shipped, rerouted: unshipped.length > 0 };
  });
  if (result.rerouted) {
    deps.rerouted?.();
    deps.stockFreed?.();
  }
  return presentShipment(result.state);
}
