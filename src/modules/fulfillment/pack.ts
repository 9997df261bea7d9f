import { eq } from 'drizzle-orm';
import { shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { planParcel } from './carrier-choice.js';
import type { FulfillmentDeps } from './deps.js';
import { assertShipmentTransition } from './shipment-state.js';
import { assertOwnFlow, findShipment, reloadShipment, type ShipmentState } from './shipment-store.js';
import { presentShipment, shipmentEvent } from './shipment-view.js';
import type { ShipmentView } from './shipments.schemas.js';

export interface PackInput {
  override?: { reason: string };
  weight_grams?: number;
}

/** Every unit must be scanned, unless a supervisor (admin key) overrides it with a reason. */
function assertScanned(state: ShipmentState, input: PackInput, caller: Caller): void {
  const missing = state.lines.filter((line) => line.quantityScanned < line.quantity);
  if (missing.length > 0 && !input.override) {
    throw new AppError(
      'conflict',
      `Not every unit is scanned: ${missing.map((l) => `${l.quantity - l.quantityScanned} × ${l.sku}`).join(', ')} missing; scan them or pack with a supervisor override`,
    );
  }
  if (input.override && !caller.scopes.includes('admin')) {
    throw new AppError('forbidden', 'Packing without every unit scanned needs a supervisor (admin) key');
  }
}

/**
 * Packs a shipment: every unit scanned (or a supervisor's override with a reason), then the carrier
 * service chosen by rate shopping and the packing rules applied to the final parcel. When no carrier
 * service can ship the parcel it is a 409 that names the service level, and nothing changes: the
 * shipment stays where it was and packs once a carrier service for it exists.
 */
export async function pack(
  deps: Pick<FulfillmentDeps, 'db' | 'clock' | 'carriers' | 'packing'>,
  id: string,
  input: PackInput,
  caller: Caller,
): Promise<ShipmentView> {
  // Read before the transaction: a transaction never waits on the pool for another connection.
  const context = { services: await deps.carriers.activeServices(), rules: await deps.packing.current() };
  return inTransaction(deps.db, async (tx) => {
    const state = await findShipment(tx, id, caller, true);
    assertOwnFlow(state, 'pack');
    assertShipmentTransition(state.shipment.status, 'packed');
    assertScanned(state, input, caller);
    const now = deps.clock.now();
    const plan = await planParcel(tx, { ...context, now }, state, {
      ...(input.weight_grams === undefined ? {} : { weightGrams: input.weight_grams }),
      retry: 'pack it again',
    });
    await tx
      .update(shipments)
      .set({
        status: 'packed',
        carrier: plan.carrier,
        service: plan.service,
        cost: plan.cost,
        rateOptions: plan.rateOptions,
        packing: plan.packing,
        weightGrams: plan.weightGrams,
        packOverride: input.override
          ? { reason: input.override.reason, by: caller.keyId, at: now.toISOString() }
          : null,
        updatedAt: now,
      })
      .where(eq(shipments.id, id));
    const packed = await reloadShipment(tx, id);
    await appendEvents(tx, [shipmentEvent(packed, 'shipment.packed')]);
    return presentShipment(packed);
  });
}
