import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { returnLines, returnReceipts } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { locationIdsByCode } from '../catalog/index.js';
import { appendEvents } from '../events/index.js';
import { restock, restockDamaged } from '../inventory/index.js';
import { stockUnitsOf } from '../orders/index.js';
import type { ReturnDeps } from './deps.js';
import { tryExchange } from './exchange.js';
import { assertReturnTransition } from './return-state.js';
import {
  lockWithOrder,
  presentReturn,
  type ReturnLineRow,
  type ReturnState,
  reload,
  returnEvent,
  setStatus,
} from './return-store.js';
import type { ReceiveReturn, ReturnView } from './returns.schemas.js';

type Receipt = ReceiveReturn['lines'][number] & { line: ReturnLineRow };

/**
 * Matches each received item to a line of the return still expecting that many units of its SKU;
 * an item no line expects is an error naming how many are still expected.
 */
function matchReceipts(state: ReturnState, items: ReceiveReturn['lines']) {
  const errors: FieldError[] = [];
  const left = new Map(
    state.lines.map((line) => [line.id, line.quantity - line.quantityRestocked - line.quantityUnsellable]),
  );
  const receipts = items.flatMap((item, i): Receipt[] => {
    const line = state.lines.find((l) => l.sku === item.sku && (left.get(l.id) ?? 0) >= item.quantity);
    if (!line) {
      const expected = state.lines
        .filter((l) => l.sku === item.sku)
        .reduce((sum, l) => sum + (left.get(l.id) ?? 0), 0);
      errors.push(
        bodyError(
          `/lines/${i}`,
          `return ${state.ret.number} expects ${expected} more unit(s) of ${item.sku}, not ${item.quantity}`,
        ),
      );
      return [];
    }
    left.set(line.id, (left.get(line.id) ?? 0) - item.quantity);
    return [{ line, ...item }];
  });
  return { receipts, errors };
}

/** Records the receipts at the location and counts their units on the return's lines. */
async function recordReceipts(
  deps: Pick<ReturnDeps, 'clock'>,
  tx: Executor,
  receipts: Receipt[],
  locationId: number,
  caller: Caller,
): Promise<void> {
  const now = deps.clock.now();
  await tx.insert(returnReceipts).values(
    receipts.map((r) => ({
      returnLineId: r.line.id,
      locationId,
      quantity: r.quantity,
      condition: r.condition,
      note: r.note ?? null,
      receivedBy: caller.keyId,
      receivedAt: now,
    })),
  );
  for (const r of receipts) {
    const sellable = r.condition === 'sellable' ? r.quantity : 0;
    await tx
      .update(returnLines)
      .set({
        quantityRestocked: sql`${returnLines.quantityRestocked} + ${sellable}`,
        quantityUnsellable: sql`${returnLines.quantityUnsellable} + ${r.quantity - sellable}`,
      })
      .where(eq(returnLines.id, r.line.id));
  }
}

/** Units received per order line. */
function unitsByOrderLine(receipts: Receipt[]): Map<number, number> {
  const units = new Map<number, number>();
  for (const r of receipts) {
    units.set(r.line.orderLineId, (units.get(r.line.orderLineId) ?? 0) + r.quantity);
  }
  return units;
}

/**
 * Units arrive at a location: sellable ones are restocked there (ledger `return_restock`, with the
 * availability events), damaged or opened ones go on hand there as `damaged` (ledger `return_restock`
 * in state damaged), never available until moved back to sellable. Partial receipts are fine. The order becomes partially_returned or returned; a waiting exchange is released.
 */
export async function receive(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'released' | 'stockAdded' | 'log'>,
  id: string,
  input: ReceiveReturn,
  caller: Caller,
): Promise<ReturnView> {
  const { state, restocked } = await inTransaction(deps.db, async (tx) => {
    const { state: current, order } = await lockWithOrder(deps, tx, id, caller);
    assertReturnTransition(current.ret.status, 'received');
    const locationId = (await locationIdsByCode(tx, [input.location])).get(input.location);
    const matched = matchReceipts(current, input.lines);
    const errors = [
      ...(locationId === undefined ? [bodyError('/location', `${input.location} is not a location`)] : []),
      ...matched.errors,
    ];
    if (errors.length > 0 || locationId === undefined) {
      throw invalid(errors);
    }
    await recordReceipts(deps, tx, matched.receipts, locationId, caller);
    // A kit comes back as its components: they are what goes on the shelf.
    const inStock = (receipts: Receipt[]) =>
      receipts.flatMap((r) =>
        stockUnitsOf(order.lines, { ...r.line, quantity: r.quantity }).map((units) => ({
          ...units,
          locationId,
        })),
      );
    const sellable = matched.receipts.filter((r) => r.condition === 'sellable');
    const source = { reference: `return:${current.ret.number}`, apiKeyId: caller.keyId };
    await restock(tx, inStock(sellable), source);
    // Units that cannot be sold are on the shelf all the same: on hand, as damaged, never available.
    await restockDamaged(tx, inStock(matched.receipts.filter((r) => r.condition !== 'sellable')), source);
    const next = await setStatus(deps, tx, current, 'received');
    await appendEvents(tx, [
      returnEvent(next, 'return.received', {
        location: input.location,
        lines: input.lines.map(({ sku, quantity, condition }) => ({ sku, quantity, condition })),
      }),
    ]);
    await deps.orders.recordReturned(tx, current.ret.orderId, unitsByOrderLine(matched.receipts));
    if (next.ret.replacementOrderId) {
      // The exchange waited for this: it is released now.
      await deps.orders.releaseAwaiting(tx, next.ret.replacementOrderId);
    }
    return { state: next, restocked: sellable.length > 0 };
  });
  if (restocked) {
    deps.stockAdded?.();
  }
  deps.released?.();
  // An exchange still pending (its capture failed or never ran) is created now, released at once.
  await tryExchange(deps, id, caller);
  return presentReturn(state.ret.replacementOrderId ? state : await reload(deps.db, id));
}
