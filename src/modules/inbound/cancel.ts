import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import { appendEvents } from '../events/index.js';
import type { InboundDeps } from './deps.js';
import type { InboundShipmentView } from './inbound.schemas.js';
import { inboundEvent } from './inbound-events.js';
import { assertInboundTransition } from './inbound-state.js';
import { findInbound, presentInbound, setInboundStatus } from './inbound-store.js';

/**
 * Cancels an expected or in-transit shipment before anything of it arrived (a 409 otherwise: one
 * partly received is closed with a receipt instead). Its units stop showing as incoming.
 */
export async function cancelInbound(
  deps: Pick<InboundDeps, 'db' | 'clock' | 'backorders'>,
  id: string,
  reason: string | undefined,
): Promise<InboundShipmentView> {
  return inTransaction(deps.db, async (tx) => {
    const current = await findInbound(tx, id, { lock: true });
    assertInboundTransition(current.shipment.status, 'cancelled');
    if (current.lines.some((line) => line.quantityReceived > 0)) {
      throw new AppError(
        'conflict',
        `Inbound shipment ${current.shipment.number} is partly received: close it with a receipt with \`close: true\` instead`,
      );
    }
    const now = deps.clock.now();
    await setInboundStatus(tx, current, 'cancelled', {
      cancelledAt: now,
      updatedAt: now,
      cancelReason: reason ?? null,
    });
    const view = presentInbound(await findInbound(tx, id));
    await appendEvents(tx, [inboundEvent('inbound_shipment.cancelled', view)]);
    // Orders promised its units lose them: another shipment's, or no promise (order.promise_changed).
    await deps.backorders.repromise(
      tx,
      current.lines.map((line) => line.productId),
      'inbound_cancelled',
    );
    return view;
  });
}
