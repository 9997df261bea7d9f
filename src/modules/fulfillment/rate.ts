import { eq } from 'drizzle-orm';
import { shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { planParcel } from './carrier-choice.js';
import type { FulfillmentDeps } from './deps.js';
import { assertOwnFlow, findShipment, reloadShipment } from './shipment-store.js';
import { presentShipment, shipmentEvent } from './shipment-view.js';
import type { ShipmentView } from './shipments.schemas.js';

/**
 * Chooses the carrier service of a packed shipment again: rate shopping on the packed parcel (its
 * recorded weight) over the carrier services active now. For a parcel packed before its carrier
 * service was removed (or, from older versions, packed with none): it can ship again once rated.
 * The packing stays as it was packed. A 409 naming the service level while no carrier service can
 * ship it; nothing changes then.
 */
export async function rate(
  deps: Pick<FulfillmentDeps, 'db' | 'clock' | 'carriers' | 'packing'>,
  id: string,
  caller: Caller,
): Promise<ShipmentView> {
  // Read before the transaction: a transaction never waits on the pool for another connection.
  const context = { services: await deps.carriers.activeServices(), rules: await deps.packing.current() };
  return inTransaction(deps.db, async (tx) => {
    const state = await findShipment(tx, id, caller, true);
    assertOwnFlow(state, 'rate');
    const { status, number, carrier, service } = state.shipment;
    if (status !== 'packed') {
      throw new AppError(
        'conflict',
        ['pending', 'picking'].includes(status)
          ? `Shipment ${number} is ${status}: packing it chooses its carrier service`
          : `Shipment ${number} is ${status}: only a packed shipment is rated again`,
      );
    }
    const now = deps.clock.now();
    const plan = await planParcel(tx, { ...context, now }, state, {
      weightGrams: state.shipment.weightGrams,
      retry: `rate it again (POST /v1/shipments/${id}/rate)`,
    });
    await tx
      .update(shipments)
      .set({
        carrier: plan.carrier,
        service: plan.service,
        cost: plan.cost,
        rateOptions: plan.rateOptions,
        updatedAt: now,
      })
      .where(eq(shipments.id, id));
    const rated = await reloadShipment(tx, id);
    await appendEvents(tx, [
      shipmentEvent(rated, 'shipment.updated', {
        change: 'rated',
        reason: carrier && service ? `was ${carrier} ${service}` : 'no carrier service was chosen',
      }),
    ]);
    return presentShipment(rated);
  });
}
