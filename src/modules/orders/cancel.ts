import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { holds, orders } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import type { OrderDeps } from './deps.js';
import { componentsOf, isKit, rollUpKits } from './kit-lines.js';
import { cancellableInShipments, editable } from './order-state.js';
import {
  channelPolicy,
  findOrder,
  type LineRow,
  loadOrders,
  type OrderState,
  writeLineQuantities,
} from './order-store.js';
import { presentOrder } from './order-view.js';
import type { CancelOrder, OrderView } from './orders.schemas.js';
import { settle } from './settle.js';

/**
 * Takes the requested units off the lines: backordered units first, then reserved ones, whose stock
 * (and place in pending shipments) is released. Every request beyond what can still be cancelled is
 * reported; nothing is written when any is.
 */
async function cancelUnits(
  deps: Pick<OrderDeps, 'shipments'>,
  tx: Executor,
  state: OrderState,
  input: CancelOrder,
): Promise<{ lines: LineRow[]; wanted: NonNullable<CancelOrder['lines']> }> {
  // Any status may have shipments (a re-routed order is allocated or held again with some pending).
  const inProgress = await deps.shipments.unitsInProgress(
    tx,
    state.lines.map((line) => line.id),
  );
  const unitsLeft = (line: LineRow) =>
    line.quantity - line.quantityCancelled - line.quantityShipped - (inProgress.get(line.id) ?? 0);
  // A kit is cancelled in whole kits, through its components: they hold its stock.
  const cancellable = (line: LineRow) =>
    isKit(line)
      ? Math.min(
          ...componentsOf(state.lines, line).map((part) =>
            Math.floor(unitsLeft(part) / (part.unitsPerKit ?? 1)),
          ),
        )
      : unitsLeft(line);
  const wanted =
    input.lines ??
    state.lines
      .filter((line) => !isKit(line))
      .map((line) => ({ line_id: line.id, quantity: cancellable(line) }));
  const errors: FieldError[] = [];
  const lines = state.lines.map((line) => ({ ...line }));
  const take = async (line: LineRow, quantity: number) => {
    const fromBackorder = Math.min(quantity, line.quantityBackordered);
    // Units neither backordered nor reserved (a stock hold, expired reservations) just go.
    const fromAllocation = Math.min(quantity - fromBackorder, line.quantityAllocated);
    await deps.shipments.releaseCancelledUnits(tx, line.id, fromAllocation, input.reason);
    line.quantityBackordered -= fromBackorder;
    line.quantityAllocated -= fromAllocation;
    line.quantityCancelled += quantity;
  };
  for (const [i, request] of wanted.entries()) {
    const line = lines.find((l) => l.id === request.line_id);
    const open = line ? cancellable(line) : 0;
    if (!line) {
      errors.push(bodyError(`/lines/${i}/line_id`, `line ${request.line_id} is not on this order`));
    } else if (input.lines && line.kitLineNumber !== null) {
      errors.push(
        bodyError(
          `/lines/${i}/line_id`,
          `line ${line.id} is a component of the kit on line ${line.kitLineNumber}: cancel the kit's line`,
        ),
      );
    } else if (request.quantity > open) {
      errors.push(
        bodyError(`/lines/${i}/quantity`, `only ${open} of line ${line.id} can still be cancelled`),
      );
    } else if (request.quantity > 0 && isKit(line)) {
      for (const part of componentsOf(lines, line)) {
        await take(part, request.quantity * (part.unitsPerKit ?? 1));
      }
    } else if (request.quantity > 0) {
      await take(line, request.quantity);
    }
  }
  if (errors.length > 0) {
    throw invalid(errors);
  }
  return { lines: rollUpKits(lines), wanted };
}

/** Every unit is cancelled: the order's open holds close and it becomes cancelled, with its event. */
async function cancelWhole(
  deps: Pick<OrderDeps, 'clock'>,
  tx: Executor,
  state: OrderState,
  reason: string,
  caller: Caller,
): Promise<OrderView> {
  await tx
    .update(holds)
    .set({
      status: 'cancelled',
      resolvedAt: deps.clock.now(),
      resolvedBy: caller.keyId,
      note: 'order cancelled',
    })
    .where(and(eq(holds.orderId, state.order.id), eq(holds.status, 'open')));
  await tx
    .update(orders)
    .set({ status: 'cancelled', cancelReason: reason, releaseDueAt: null, updatedAt: sql`now()` })
    .where(eq(orders.id, state.order.id));
  const [cancelled] = await loadOrders(tx, [state.order.id]);
  const snapshot = presentOrder(cancelled as OrderState);
  await appendEvents(tx, [
    {
      type: 'order.cancelled',
      resourceType: 'order',
      resourceId: state.order.id,
      channel: state.channel,
      data: { order: snapshot, reason },
    },
  ]);
  return snapshot;
}

/** Cancels the whole order or some line quantities, releasing their reservations. */
export async function cancel(
  deps: Pick<OrderDeps, 'db' | 'clock' | 'log' | 'shipments' | 'stockFreed' | 'allocated' | 'accounts'>,
  idOrNumber: string,
  input: CancelOrder,
  caller: Caller,
): Promise<OrderView> {
  const order = await inTransaction(deps.db, async (tx) => {
    const state = await findOrder(tx, idOrNumber, caller, true);
    // After release, units still in pending shipments can be cancelled; picked or packed ones cannot.
    if (!editable.includes(state.order.status) && !cancellableInShipments.includes(state.order.status)) {
      throw new AppError('conflict', `An order that is ${state.order.status} cannot be cancelled`);
    }
    const { lines, wanted } = await cancelUnits(deps, tx, state, input);
    await writeLineQuantities(tx, lines);
    if (lines.every((line) => line.quantityCancelled === line.quantity)) {
      return cancelWhole(deps, tx, state, input.reason, caller);
    }
    const settled = await settle(
      tx,
      { ...state, lines },
      await channelPolicy(tx, state.order.channelId),
      deps.clock,
      {
        checked: ['stock'],
        reloadReservations: true,
        needs: [],
        actor: caller.keyId,
        events: [
          () => ({
            type: 'order.updated',
            resourceType: 'order',
            resourceId: state.order.id,
            channel: state.channel,
            data: { change: 'lines_cancelled', reason: input.reason, lines: wanted },
          }),
        ],
      },
    );
    return presentOrder(settled);
  });
  deps.stockFreed?.();
  deps.allocated?.();
  await creditFreed(deps, order, caller);
  return order;
}

/** A cancelled order on terms frees the account's credit: held orders that fit now are released. */
async function creditFreed(deps: Pick<OrderDeps, 'log' | 'accounts'>, order: OrderView, caller: Caller) {
  if (!order.account_id || !order.payment_terms || order.payment_terms === 'prepaid') {
    return;
  }
  try {
    await deps.accounts?.creditFreed?.(order.account_id, caller);
  } catch (err) {
    // The cancellation stands; the next payment or account change releases what fits.
    deps.log.warn(
      { err, account: order.account_id },
      'credit holds were not re-checked after a cancellation',
    );
  }
}
