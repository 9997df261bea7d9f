import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { orderLines, orders, products } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { forgetReleased, release, releaseUnits } from '../allocation/index.js';
import { orderPriority } from '../routing/index.js';
import { addressHold, addressKey, type HoldNeed, paymentNeed, totalsOf } from './checks.js';
import type { OrderDeps } from './deps.js';
import { isKit } from './kit-lines.js';
import { editable } from './order-state.js';
import { channelPolicy, findOrder, type LineRow, type OrderState } from './order-store.js';
import { presentOrder } from './order-view.js';
import type { OrderView, PaymentUpdate, UpdateOrder } from './orders.schemas.js';
import { routingFor } from './resettle.js';
import { settle } from './settle.js';

const kitEdit = (pointer: string, what: string) =>
  bodyError(
    pointer,
    `${what}: lines with kits cannot be replaced; cancel lines or place a new order instead`,
  );

/** Every line's SKU must name an active product, once: anything else is a 422 and nothing changes. */
async function productIdsFor(
  tx: Executor,
  lines: NonNullable<UpdateOrder['lines']>,
): Promise<Map<string, number>> {
  const skus = lines.map((line) => line.sku);
  const rows = await tx
    .select({
      id: products.id,
      sku: products.sku,
      active: products.active,
      kit: sql<boolean>`EXISTS (SELECT 1 FROM product_components pc WHERE pc.kit_id = ${products.id})`,
    })
    .from(products)
    .where(inArray(products.sku, [...new Set(skus)]));
  const bySku = new Map(rows.map((row) => [row.sku, row]));
  const errors = lines.flatMap((line, i) => {
    const product = bySku.get(line.sku);
    if (product?.kit) {
      return [kitEdit(`/lines/${i}/sku`, `"${line.sku}" is a kit`)];
    }
    return product?.active
      ? []
      : [
          bodyError(
            `/lines/${i}/sku`,
            product ? `"${line.sku}" is not an active product` : `"${line.sku}" is not a known SKU`,
          ),
        ];
  });
  if (errors.length > 0) {
    throw invalid(errors);
  }
  if (new Set(skus).size !== skus.length) {
    throw invalid([bodyError('/lines', 'each SKU may appear on one line only')]);
  }
  return new Map(rows.map((row) => [row.sku, row.id]));
}

/**
 * Replaces the order's lines. Lines keep what they reserved, up to their new quantity; removed lines
 * give it all back and go. The units still missing are reserved again when the order settles.
 */
async function replaceLines(
  tx: Executor,
  state: OrderState,
  wanted: NonNullable<UpdateOrder['lines']>,
): Promise<LineRow[]> {
  if (state.lines.some((line) => isKit(line))) {
    throw invalid([kitEdit('/lines', 'the order has a kit')]);
  }
  const productIds = await productIdsFor(tx, wanted);
  const skus = wanted.map((line) => line.sku);
  const removed = state.lines.filter((line) => !skus.includes(line.sku)).map((line) => line.id);
  if (removed.length > 0) {
    await release(tx, { orderLineIds: removed });
    await forgetReleased(tx, removed);
    await tx.delete(orderLines).where(inArray(orderLines.id, removed));
  }
  let next = Math.max(0, ...state.lines.map((line) => line.lineNumber));
  const lines: LineRow[] = [];
  for (const line of wanted) {
    const existing = state.lines.find((kept) => kept.sku === line.sku);
    const keep = Math.min(existing?.quantityAllocated ?? 0, line.quantity);
    if (existing && existing.quantityAllocated > keep) {
      await releaseUnits(tx, existing.id, existing.quantityAllocated - keep);
    }
    const values = {
      quantity: line.quantity,
      unitPrice: line.unit_price,
      taxAmount: line.tax_amount ?? 0,
      quantityAllocated: keep,
      quantityBackordered: 0,
      quantityCancelled: 0,
    };
    const [row] = existing
      ? await tx.update(orderLines).set(values).where(eq(orderLines.id, existing.id)).returning()
      : await tx
          .insert(orderLines)
          .values({
            ...values,
            orderId: state.order.id,
            lineNumber: ++next,
            productId: productIds.get(line.sku) ?? 0,
            sku: line.sku,
          })
          .returning();
    if (row) {
      lines.push(row);
    }
  }
  return lines;
}

/** Writes the edited order fields and the totals they give; discounts above the order's cost are a 422. */
async function writeFields(
  tx: Executor,
  state: OrderState,
  input: UpdateOrder & Pick<EditOptions, 'payment'>,
  lines: LineRow[],
  channelPriority: number,
) {
  const shipping = input.shipping ?? {
    service_level: state.order.serviceLevel,
    amount: state.order.shippingAmount,
  };
  const discounts = input.discounts ?? state.order.discounts;
  const totals = totalsOf(
    lines.map((line) => ({
      quantity: line.quantity,
      unit_price: line.unitPrice,
      tax_amount: line.taxAmount,
    })),
    discounts,
    shipping.amount,
  );
  if (totals.total < 0) {
    throw invalid([
      bodyError('/discounts', `discounts of ${totals.discount_total} exceed what the order costs`),
    ]);
  }
  const [order] = await tx
    .update(orders)
    .set({
      customer: input.customer,
      customerEmail: input.customer?.email.toLowerCase(),
      shipTo: input.ship_to,
      addressKey: input.ship_to ? addressKey(input.ship_to) : undefined,
      billingAddress: input.billing_address,
      serviceLevel: shipping.service_level,
      shippingAmount: shipping.amount,
      discounts,
      subtotal: totals.subtotal,
      discountTotal: totals.discount_total,
      taxTotal: totals.tax_total,
      total: totals.total,
      priority: orderPriority(
        shipping.service_level,
        Math.max(channelPriority, state.order.accountPriority ?? channelPriority),
      ),
      tags: input.tags,
      metadata: input.metadata,
      payment: input.payment ? { ...state.order.payment, ...input.payment } : undefined,
      updatedAt: sql`now()`,
    })
    .where(eq(orders.id, state.order.id))
    .returning();
  return order ?? state.order;
}

export interface EditOptions {
  /** Open a manual hold with this reason: a channel connector's change that could not be taken as sent. */
  hold?: { reason: string; details: Record<string, unknown> };
  /**
   * The payment as it stands with the change (a channel that re-priced the order and charged or refunded
   * the difference): checked against the new total in the same step, so no payment hold opens in between.
   */
  payment?: Pick<PaymentUpdate, 'status'> & { amount: number };
}

/**
 * Changes addresses, customer or lines before release, atomically: the order's reservations are
 * released, the changes applied, the checks re-run and the stock re-reserved, or nothing changes.
 */
export async function edit(
  deps: Pick<OrderDeps, 'db' | 'clock' | 'routing' | 'allocated'>,
  idOrNumber: string,
  input: UpdateOrder,
  caller: Caller,
  options: EditOptions = {},
): Promise<OrderView> {
  const view = await inTransaction(deps.db, async (tx) => {
    const state = await findOrder(tx, idOrNumber, caller, true);
    if (!editable.includes(state.order.status)) {
      throw new AppError('conflict', `An order that is ${state.order.status} can no longer be changed`);
    }
    const lines = input.lines ? await replaceLines(tx, state, input.lines) : state.lines;
    const channel = await channelPolicy(tx, state.order.channelId);
    const order = await writeFields(
      tx,
      state,
      { ...input, payment: options.payment },
      lines,
      channel.priority,
    );
    // Changed lines had every reservation released above; they are re-taken in settle.
    const edited = { ...state, order, lines, reservations: input.lines ? [] : state.reservations };
    const needs = [
      addressHold(order.shipTo, order.serviceLevel),
      paymentNeed(order),
      options.hold ? { kind: 'manual' as const, ...options.hold } : undefined,
    ].filter((need): need is HoldNeed => need !== undefined);
    const settled = await settle(tx, edited, channel, deps.clock, {
      routing: await routingFor(deps, tx, edited, channel),
      checked: ['address', 'payment', 'stock'],
      reloadReservations: input.lines !== undefined,
      needs,
      actor: caller.keyId,
      events: [
        () => ({
          type: 'order.updated',
          resourceType: 'order',
          resourceId: state.order.id,
          channel: state.channel,
          data: {
            change: 'edited',
            fields: [...Object.keys(input), ...(options.payment ? ['payment'] : [])],
          },
        }),
      ],
    });
    return presentOrder(settled);
  });
  deps.allocated?.();
  return view;
}
