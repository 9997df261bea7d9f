import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import type { FulfillmentDeps } from './deps.js';
import { giveBack, linesBySku } from './give-back.js';
import { inBuilding } from './shipment-state.js';
import { lockWithOrder, reloadShipment } from './shipment-store.js';
import { presentShipment } from './shipment-view.js';
import type { RejectLines, ShipmentView } from './shipments.schemas.js';

/** A location cannot ship some units: they go back through routing to another location. */
export async function rejectLines(
  deps: FulfillmentDeps,
  id: string,
  input: RejectLines,
  caller: Caller,
): Promise<ShipmentView> {
  const state = await inTransaction(deps.db, async (tx) => {
    const { order, shipment } = await lockWithOrder(deps, tx, id, caller);
    if (!inBuilding.includes(shipment.shipment.status)) {
      throw new AppError('conflict', `A shipment that is ${shipment.shipment.status} has left the building`);
    }
    const events: NewEvent[] = [];
    await giveBack(deps, tx, order, shipment, linesBySku(shipment, input.lines), {
      reason: input.reason,
      writeOff: false,
      actor: caller.keyId,
      events,
    });
    await appendEvents(tx, events);
    return reloadShipment(tx, id);
  });
  deps.rerouted?.();
  deps.stockFreed?.();
  return presentShipment(state);
}
