import { inTransaction } from '../../db/transaction.js';
import { appendEvents } from '../events/index.js';
import type { InboundDeps } from './deps.js';
import type { InboundShipmentView, ShipInboundShipment } from './inbound.schemas.js';
import { inboundEvent } from './inbound-events.js';
import { findInbound, presentInbound, setInboundStatus } from './inbound-store.js';

/**
 * The supplier shipped an expected shipment (a 409 otherwise): it is in transit, maybe with a new date
 * (then the orders promised its units are promised again).
 */
export async function shipInbound(
  deps: Pick<InboundDeps, 'db' | 'clock' | 'backorders'>,
  id: string,
  input: ShipInboundShipment,
): Promise<InboundShipmentView> {
  return inTransaction(deps.db, async (tx) => {
    const current = await findInbound(tx, id, { lock: true });
    const now = deps.clock.now();
    await setInboundStatus(tx, current, 'in_transit', {
      shippedAt: now,
      updatedAt: now,
      ...(input.expected_date === undefined ? {} : { expectedDate: input.expected_date }),
    });
    const view = presentInbound(await findInbound(tx, id));
    await appendEvents(tx, [inboundEvent('inbound_shipment.in_transit', view)]);
    if (view.expected_date !== current.shipment.expectedDate) {
      await deps.backorders.repromise(
        tx,
        current.lines.map((line) => line.productId),
        'inbound_rescheduled',
      );
    }
    return view;
  });
}
