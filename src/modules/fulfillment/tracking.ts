import { eq, sql } from 'drizzle-orm';
import type { TrackingEvent } from '../../db/schema/fulfillment.js';
import { shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import type { FulfillmentDeps } from './deps.js';
import { assertShipmentTransition, type ShipmentStatus } from './shipment-state.js';
import { lockWithOrder, reloadShipment, shipmentStatusesOf } from './shipment-store.js';
import { presentShipment, shipmentEvent } from './shipment-view.js';
import type { ShipmentView, TrackingUpdate } from './shipments.schemas.js';

/** A carrier's status update: in transit, out for delivery, delivered, exception. */
export const tracking = (
  deps: Pick<FulfillmentDeps, 'db' | 'clock' | 'orders'>,
  id: string,
  input: TrackingUpdate,
  caller: Caller,
): Promise<ShipmentView> =>
  inTransaction(deps.db, async (tx) => {
    const { shipment: state } = await lockWithOrder(deps, tx, id, caller);
    const next: ShipmentStatus =
      input.status === 'out_for_delivery' ? 'in_transit' : (input.status as ShipmentStatus);
    assertShipmentTransition(state.shipment.status, next);
    const now = deps.clock.now();
    const event: TrackingEvent = {
      status: input.status,
      description: input.description ?? null,
      location: input.location ?? null,
      occurred_at: input.occurred_at ?? now.toISOString(),
      recorded_at: now.toISOString(),
    };
    await tx
      .update(shipments)
      .set({
        status: next,
        tracking: sql`${shipments.tracking} || ${JSON.stringify([event])}::jsonb`,
        ...(next === 'delivered' ? { deliveredAt: new Date(event.occurred_at) } : {}),
        exception: next === 'exception' ? (input.description ?? 'carrier exception') : null,
        updatedAt: now,
      })
      .where(eq(shipments.id, id));
    const after = await reloadShipment(tx, id);
    const changed = next !== state.shipment.status;
    const type =
      next === 'delivered' || next === 'exception' || (changed && next === 'in_transit')
        ? `shipment.${next}`
        : 'shipment.tracking_updated';
    await appendEvents(tx, [shipmentEvent(after, type, { tracking: event })]);
    const orderId = state.shipment.orderId;
    await deps.orders.recordShipmentProgress(tx, orderId, await shipmentStatusesOf(tx, orderId));
    return presentShipment(after);
  });
