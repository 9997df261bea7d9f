import { inTransaction } from '../../db/transaction.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import type { OrderDeps } from './deps.js';
import { findOrder } from './order-store.js';
import { presentOrder } from './order-view.js';
import type { OrderView } from './orders.schemas.js';

export interface UnappliedChange {
  /** Why it was not applied, in a sentence a person reads in the timeline. */
  reason: string;
  /** The fields as the channel now has them (`ship_to`, `lines`, …). */
  requested: Record<string, unknown>;
}

/**
 * Records that the order's channel changed it when Ordo could no longer apply the change (released,
 * shipped, cancelled): an `order.updated` event (`change: not_applied`) that the timeline shows and
 * webhooks carry, so a person can act (stop a parcel, call the customer). The order itself is unchanged.
 */
export async function recordUnappliedChange(
  deps: Pick<OrderDeps, 'db'>,
  idOrNumber: string,
  change: UnappliedChange,
  caller: Caller,
): Promise<OrderView> {
  return inTransaction(deps.db, async (tx) => {
    // Locked, so the snapshot in the event is the order as it stands when the event is appended.
    const state = await findOrder(tx, idOrNumber, caller, true);
    const snapshot = presentOrder(state);
    await appendEvents(tx, [
      {
        type: 'order.updated',
        resourceType: 'order',
        resourceId: state.order.id,
        channel: state.channel,
        data: { change: 'not_applied', reason: change.reason, requested: change.requested, order: snapshot },
      },
    ]);
    return snapshot;
  });
}
