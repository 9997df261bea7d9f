import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import { appendEvents } from '../events/index.js';
import type { InboundDeps } from './deps.js';
import type { InboundShipmentView, UpdateInboundShipment } from './inbound.schemas.js';
import { inboundEvent } from './inbound-events.js';
import { open } from './inbound-state.js';
import { findInbound, presentInbound, setExpectedDate } from './inbound-store.js';

/**
 * A new expected date for an expected or in-transit shipment (a 409 once received or cancelled: nothing
 * more is expected). The orders promised its units are promised again in the same transaction: an
 * earlier date moves their promised delivery forward, a later one raises `order.promise_changed`. The
 * date it already has changes nothing.
 */
export async function rescheduleInbound(
  deps: Pick<InboundDeps, 'db' | 'clock' | 'backorders'>,
  id: string,
  input: UpdateInboundShipment,
): Promise<InboundShipmentView> {
  return inTransaction(deps.db, async (tx) => {
    const current = await findInbound(tx, id, { lock: true });
    const { status, number, expectedDate } = current.shipment;
    if (!open.includes(status)) {
      throw new AppError(
        'conflict',
        `Inbound shipment ${number} is ${status}: nothing more is expected, so its expected date cannot change`,
      );
    }
    if (input.expected_date === expectedDate) {
      return presentInbound(current);
    }
    await setExpectedDate(tx, current, input.expected_date, deps.clock.now());
    const view = presentInbound(await findInbound(tx, id));
    await appendEvents(tx, [
      inboundEvent('inbound_shipment.rescheduled', view, { previous_expected_date: expectedDate }),
    ]);
    await deps.backorders.repromise(
      tx,
      current.lines.map((line) => line.productId),
      'inbound_rescheduled',
    );
    return view;
  });
}
