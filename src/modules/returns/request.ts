import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { ReturnPolicy } from '../../db/schema/catalog.js';
import { products, returnLines, returns, shipmentLines, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { productFactsBySku } from '../catalog/index.js';
import { appendEvents } from '../events/index.js';
import { componentsOf, isKit, type OrderState, returnable } from '../orders/index.js';
import type { ReturnDeps } from './deps.js';
import { tryExchange } from './exchange.js';
import { openReturnStatuses } from './return-state.js';
import {
  policyOf,
  presentReturn,
  type ReturnRow,
  type ReturnState,
  reload,
  returnEvent,
} from './return-store.js';
import type { CreateReturn, ReturnView } from './returns.schemas.js';

const dayMs = 86_400_000;

/** Units of each order line on returns still open (not yet received back). */
async function unitsOnOpenReturns(tx: Executor, orderId: string): Promise<Map<number, number>> {
  const rows = await tx
    .select({
      lineId: returnLines.orderLineId,
      units: sql<number>`sum(${returnLines.quantity} - ${returnLines.quantityRestocked} - ${returnLines.quantityUnsellable})::int`,
    })
    .from(returnLines)
    .innerJoin(returns, eq(returns.id, returnLines.returnId))
    .where(and(eq(returns.orderId, orderId), inArray(returns.status, [...openReturnStatuses])))
    .groupBy(returnLines.orderLineId);
  return new Map(rows.map((row) => [row.lineId, row.units]));
}

const latest = (dates: Array<Date | undefined>) =>
  dates.reduce<Date | undefined>((last, at) => (at && (!last || at > last) ? at : last), undefined);

/** When each order line last left (or arrived, once delivered): the return window counts from it. */
async function lastDeliveries(tx: Executor, orderId: string): Promise<Map<number, Date>> {
  const rows = await tx
    .select({
      lineId: shipmentLines.orderLineId,
      at: sql<string>`max(coalesce(${shipments.deliveredAt}, ${shipments.shippedAt}))`,
    })
    .from(shipmentLines)
    .innerJoin(shipments, eq(shipments.id, shipmentLines.shipmentId))
    .where(and(eq(shipments.orderId, orderId), sql`${shipments.shippedAt} IS NOT NULL`))
    .groupBy(shipmentLines.orderLineId);
  return new Map(rows.filter((row) => row.at).map((row) => [row.lineId, new Date(row.at)]));
}

/** The tags of the order's products, by product id. */
async function productTags(tx: Executor, order: OrderState): Promise<Map<number, string[]>> {
  const rows = await tx
    .select({ id: products.id, tags: products.tags })
    .from(products)
    .where(
      inArray(
        products.id,
        order.lines.map((line) => line.productId),
      ),
    );
  return new Map(rows.map((row) => [row.id, row.tags]));
}

interface LineFacts {
  policy: ReturnPolicy;
  open: Map<number, number>;
  delivered: Map<number, Date>;
  tags: Map<number, string[]>;
  now: Date;
}

/** Why asked lines cannot come back: not on the order, more units than free, a non-returnable tag, the window ended. */
function lineErrors(order: OrderState, lines: CreateReturn['lines'], facts: LineFacts): FieldError[] {
  const { policy, open, delivered, tags, now } = facts;
  const errors: FieldError[] = [];
  const asked = new Map<number, number>();
  for (const [i, item] of lines.entries()) {
    const line = order.lines.find((l) => l.id === item.line_id);
    if (!line) {
      errors.push(
        bodyError(`/lines/${i}/line_id`, `line ${item.line_id} is not on order ${order.order.number}`),
      );
      continue;
    }
    const already = (asked.get(line.id) ?? 0) + item.quantity;
    asked.set(line.id, already);
    const free = line.quantityShipped - line.quantityReturned - (open.get(line.id) ?? 0);
    if (already > free) {
      errors.push(
        bodyError(
          `/lines/${i}/quantity`,
          `only ${Math.max(0, free)} unit(s) of ${line.sku} can be returned (shipped ${line.quantityShipped}, returned ${line.quantityReturned}, on open returns ${open.get(line.id) ?? 0})`,
        ),
      );
    }
    const blocked = (tags.get(line.productId) ?? []).find((tag) => policy.non_returnable_tags.includes(tag));
    if (blocked) {
      errors.push(bodyError(`/lines/${i}/line_id`, `${line.sku} is not returnable (tagged "${blocked}")`));
    }
    // A kit left with its components: its window counts from the last of them.
    const since = isKit(line)
      ? latest(componentsOf(order.lines, line).map((part) => delivered.get(part.id)))
      : delivered.get(line.id);
    if (since && now.getTime() > since.getTime() + policy.return_window_days * dayMs) {
      const ended = new Date(since.getTime() + policy.return_window_days * dayMs).toISOString().slice(0, 10);
      errors.push(
        bodyError(
          `/lines/${i}/line_id`,
          `the ${policy.return_window_days}-day return window for ${line.sku} ended on ${ended}`,
        ),
      );
    }
  }
  return errors;
}

/** Replacement lines must name active products. */
async function replacementErrors(
  tx: Executor,
  replacement: CreateReturn['replacement_lines'],
): Promise<FieldError[]> {
  if (!replacement) {
    return [];
  }
  const known = await productFactsBySku(
    tx,
    replacement.map((line) => line.sku),
  );
  return replacement.flatMap((line, i) =>
    known.get(line.sku)?.active
      ? []
      : [bodyError(`/replacement_lines/${i}/sku`, `"${line.sku}" is not an active product`)],
  );
}

/** Checks the request against the order and its channel's policy; a 409 or a 422 naming each problem. */
async function checkRequest(
  deps: Pick<ReturnDeps, 'clock'>,
  tx: Executor,
  order: OrderState,
  input: CreateReturn,
): Promise<{ policy: ReturnPolicy; now: Date }> {
  if (!returnable.includes(order.order.status)) {
    throw new AppError('conflict', `An order that is ${order.order.status} has nothing shipped to return`);
  }
  const policy = await policyOf(tx, order);
  const open = await unitsOnOpenReturns(tx, order.order.id);
  const delivered = await lastDeliveries(tx, order.order.id);
  const tags = await productTags(tx, order);
  const now = deps.clock.now();
  const errors = [
    ...lineErrors(order, input.lines, { policy, open, delivered, tags, now }),
    ...(await replacementErrors(tx, input.replacement_lines)),
  ];
  if (errors.length > 0) {
    throw invalid(errors, 'The return cannot be accepted');
  }
  return { policy, now };
}

/** Inserts the return, numbered after the order's earlier ones, with its lines. */
async function insertReturn(
  tx: Executor,
  order: OrderState,
  input: CreateReturn,
  caller: Caller,
  { review, now }: { review: string[]; now: Date },
): Promise<ReturnRow> {
  const [{ n } = { n: 0 }] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(returns)
    .where(eq(returns.orderId, order.order.id));
  const [created] = await tx
    .insert(returns)
    .values({
      number: `R${order.order.number}-${n + 1}`,
      orderId: order.order.id,
      status: review.length > 0 ? 'requested' : 'authorized',
      initiatedBy: caller.channel === null ? 'back_office' : 'customer',
      note: input.note ?? null,
      decision: review.length > 0 ? `needs review: ${review.join(', ')}` : null,
      replacementLines: input.replacement_lines ?? [],
      createdBy: caller.keyId,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!created) {
    throw new Error('return insert returned nothing');
  }
  await tx.insert(returnLines).values(
    input.lines.map((item) => {
      const line = order.lines.find((l) => l.id === item.line_id);
      return {
        returnId: created.id,
        orderLineId: item.line_id,
        productId: line?.productId ?? 0,
        sku: line?.sku ?? '',
        quantity: item.quantity,
        reason: item.reason,
      };
    }),
  );
  return created;
}

/**
 * The first step of a return, in one transaction: checked against the order and its channel's policy,
 * written with its lines and events, authorized or held for review. Replacement lines are stored on
 * it: until the replacement order exists, they are the exchange's durable pending marker.
 */
export function openReturn(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders'>,
  orderRef: string,
  input: CreateReturn,
  caller: Caller,
): Promise<ReturnState> {
  return inTransaction(deps.db, async (tx) => {
    const order = await deps.orders.find(tx, orderRef, caller, true);
    const { policy, now } = await checkRequest(deps, tx, order, input);
    const review = [...new Set(input.lines.map((l) => l.reason))].filter((reason) =>
      policy.review_reasons.includes(reason),
    );
    const created = await insertReturn(tx, order, input, caller, { review, now });
    const requested = await reload(tx, created.id);
    if (review.length > 0) {
      await appendEvents(tx, [returnEvent(requested, 'return.requested')]);
      await deps.orders.openReturnReview(tx, order, {
        returnId: created.id,
        returnNumber: created.number,
        reasons: review,
      });
    } else {
      await appendEvents(tx, [
        returnEvent(requested, 'return.requested'),
        returnEvent(requested, 'return.authorized'),
      ]);
    }
    return requested;
  });
}

/**
 * Opens a return for shipped units. The channel's policy decides: authorized at once, a
 * return_review hold for reasons that need a person, or a 422 saying why not. An authorized exchange
 * gets its replacement order right after the return commits; should that fail (or the process die),
 * the exchange worker creates it.
 */
export async function request(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'released' | 'log'>,
  orderRef: string,
  input: CreateReturn,
  caller: Caller,
): Promise<ReturnView> {
  const state = await openReturn(deps, orderRef, input, caller);
  if (state.ret.status === 'authorized') {
    await tryExchange(deps, state.ret.id, caller);
  }
  return presentReturn(await reload(deps.db, state.ret.id));
}
