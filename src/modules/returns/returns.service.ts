import { and, desc, eq, gte, inArray, type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import type { ReturnPolicy } from '../../db/schema/catalog.js';
import {
  channels,
  holds,
  locations,
  orderLines,
  orders,
  products,
  refunds,
  returnLines,
  returnReceipts,
  returns,
  shipmentLines,
  shipments,
} from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import type { Releaser } from '../fulfillment/release.js';
import { restock } from '../inventory/index.js';
import { assertTransition, type OrderStatus } from '../orders/order-state.js';
import { loadOrders, type OrderState, presentHold, presentOrder } from '../orders/order-store.js';
import type { OrderService } from '../orders/orders.service.js';
import { computeRefund } from './refund.js';
import { assertReturnTransition, openReturnStatuses, type ReturnStatus } from './return-state.js';
import { loadReturns, presentRefund, presentReturn, type ReturnState } from './return-store.js';
import type { CreateReturn, ReceiveReturn, ReturnView } from './returns.schemas.js';

/** An exchange that waits for its return is released this far in the future, i.e. not until receipt. */
const awaitingReturn = new Date('9999-12-31T00:00:00Z');
const dayMs = 86_400_000;

/** Order statuses with shipped units that can come back. */
const returnable: readonly OrderStatus[] = [
  'partially_shipped',
  'shipped',
  'delivered',
  'partially_returned',
];

export type ReturnService = ReturnType<typeof createReturnService>;

export function createReturnService({
  db,
  clock,
  orders: orderService,
  releaser,
  stockAdded,
}: {
  db: Db;
  clock: Clock;
  orders: OrderService;
  releaser: Releaser;
  stockAdded?: () => void;
}) {
  const returnEvent = (state: ReturnState, type: string, data: Record<string, unknown> = {}): NewEvent => ({
    type,
    resourceType: 'return',
    resourceId: state.ret.id,
    channel: state.order.channel,
    data: { ...data, return: presentReturn(state) },
  });

  async function policyOf(tx: Executor, order: OrderState): Promise<ReturnPolicy> {
    const [row] = await tx
      .select({ policy: channels.returnPolicy })
      .from(channels)
      .where(eq(channels.id, order.order.channelId));
    if (!row) {
      throw new Error('the order’s channel vanished');
    }
    return row.policy;
  }

  /** A return the caller may see: another channel's does not exist for a channel-bound key. */
  async function find(tx: Executor, id: string, caller: Caller, lock = false): Promise<ReturnState> {
    const [state] = await loadReturns(tx, [id], { lock });
    if (!state || (caller.channel !== null && state.order.channel !== caller.channel)) {
      throw notFound(`Return ${id}`);
    }
    return state;
  }

  /** Locks the return's order, then the return: the order every path that changes both uses. */
  async function lockWithOrder(tx: Executor, id: string, caller: Caller) {
    const peek = await find(tx, id, caller);
    const order = await orderService.find(tx, peek.ret.orderId, caller, true);
    return { order, state: await find(tx, id, caller, true) };
  }

  const reload = async (tx: Executor, id: string): Promise<ReturnState> => {
    const [state] = await loadReturns(tx, [id]);
    if (!state) {
      throw notFound(`Return ${id}`);
    }
    return state;
  };

  async function setStatus(
    tx: Executor,
    state: ReturnState,
    status: ReturnStatus,
    extra: Partial<typeof returns.$inferInsert> = {},
  ) {
    assertReturnTransition(state.ret.status, status);
    await tx
      .update(returns)
      .set({ status, updatedAt: clock.now(), ...extra })
      .where(eq(returns.id, state.ret.id));
    return reload(tx, state.ret.id);
  }

  /** Resolves the return's review hold, if it has one open. */
  async function resolveReview(
    tx: Executor,
    state: ReturnState,
    outcome: 'released' | 'cancelled',
    caller: Caller,
  ) {
    const resolved = await tx
      .update(holds)
      .set({
        status: outcome,
        resolvedAt: clock.now(),
        resolvedBy: caller.keyId,
        note: `return ${state.ret.number} ${outcome === 'released' ? 'authorized' : 'rejected'}`,
      })
      .where(
        and(
          eq(holds.orderId, state.ret.orderId),
          eq(holds.kind, 'return_review'),
          eq(holds.status, 'open'),
          sql`${holds.details}->>'return_id' = ${state.ret.id}`,
        ),
      )
      .returning();
    return resolved.map(
      (hold): NewEvent => ({
        type: 'order.hold_released',
        resourceType: 'order',
        resourceId: state.ret.orderId,
        channel: state.order.channel,
        data: { hold: presentHold(hold) },
      }),
    );
  }

  /**
   * Creates the exchange's replacement order through order capture (reserved and routed at once), at
   * no charge, linked to the return. Capture is idempotent by its external id, so calling this again
   * (a retry after a crash between the two transactions) never makes a second order.
   */
  async function ensureExchange(id: string, caller: Caller): Promise<void> {
    const state = await reload(db, id);
    if (
      state.ret.replacementLines.length === 0 ||
      state.ret.replacementOrderId ||
      state.ret.status === 'rejected'
    ) {
      return;
    }
    const [original] = await loadOrders(db, [state.ret.orderId]);
    if (!original) {
      return;
    }
    const policy = await policyOf(db, original);
    const waits =
      policy.exchange_release === 'on_receipt' && !['received', 'refunded'].includes(state.ret.status);
    const { order } = await orderService.capture(
      {
        channel: original.channel,
        external_id: `${original.order.externalId}~${state.ret.number}`,
        customer: original.order.customer,
        ship_to: original.order.shipTo,
        ...(original.order.billingAddress ? { billing_address: original.order.billingAddress } : {}),
        lines: state.ret.replacementLines.map((line) => ({
          sku: line.sku,
          quantity: line.quantity,
          unit_price: 0,
        })),
        currency: original.order.currency,
        shipping: { service_level: original.order.serviceLevel, amount: 0 },
        payment: { status: 'captured', amount: 0, method: 'exchange' },
        tags: ['exchange'],
        metadata: { exchange_for_order: original.order.number, return: state.ret.number },
      },
      { ...caller, channel: null },
      waits ? { releaseAt: awaitingReturn } : {},
    );
    await db
      .update(returns)
      .set({ replacementOrderId: order.id, updatedAt: clock.now() })
      .where(and(eq(returns.id, id), sql`${returns.replacementOrderId} IS NULL`));
  }

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

  return {
    /**
     * Opens a return for shipped units. The channel's policy decides: authorized at once, a
     * return_review hold for reasons that need a person, or a 422 saying why not.
     */
    async request(orderRef: string, input: CreateReturn, caller: Caller): Promise<ReturnView> {
      const view = await inTransaction(db, async (tx) => {
        const order = await orderService.find(tx, orderRef, caller, true);
        if (!returnable.includes(order.order.status)) {
          throw new AppError(
            'conflict',
            `An order that is ${order.order.status} has nothing shipped to return`,
          );
        }
        const policy = await policyOf(tx, order);
        const open = await unitsOnOpenReturns(tx, order.order.id);
        const delivered = await lastDeliveries(tx, order.order.id);
        const tags = new Map(
          (
            await tx
              .select({ id: products.id, tags: products.tags })
              .from(products)
              .where(
                inArray(
                  products.id,
                  order.lines.map((line) => line.productId),
                ),
              )
          ).map((row) => [row.id, row.tags]),
        );
        const now = clock.now();
        const errors: FieldError[] = [];
        const asked = new Map<number, number>();
        for (const [i, item] of input.lines.entries()) {
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
          const blocked = (tags.get(line.productId) ?? []).find((tag) =>
            policy.non_returnable_tags.includes(tag),
          );
          if (blocked) {
            errors.push(
              bodyError(`/lines/${i}/line_id`, `${line.sku} is not returnable (tagged "${blocked}")`),
            );
          }
          const since = delivered.get(line.id);
          if (since && now.getTime() > since.getTime() + policy.return_window_days * dayMs) {
            const ended = new Date(since.getTime() + policy.return_window_days * dayMs)
              .toISOString()
              .slice(0, 10);
            errors.push(
              bodyError(
                `/lines/${i}/line_id`,
                `the ${policy.return_window_days}-day return window for ${line.sku} ended on ${ended}`,
              ),
            );
          }
        }
        if (input.replacement_lines) {
          const known = await tx
            .select({ sku: products.sku, active: products.active })
            .from(products)
            .where(
              inArray(
                products.sku,
                input.replacement_lines.map((line) => line.sku),
              ),
            );
          input.replacement_lines.forEach((line, i) => {
            if (!known.find((p) => p.sku === line.sku && p.active)) {
              errors.push(bodyError(`/replacement_lines/${i}/sku`, `"${line.sku}" is not an active product`));
            }
          });
        }
        if (errors.length > 0) {
          throw invalid(errors, 'The return cannot be accepted');
        }

        const review = [...new Set(input.lines.map((l) => l.reason))].filter((reason) =>
          policy.review_reasons.includes(reason),
        );
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
        const state = await reload(tx, created.id);
        const events = [returnEvent(state, 'return.requested')];
        if (review.length > 0) {
          const [hold] = await tx
            .insert(holds)
            .values({
              orderId: order.order.id,
              kind: 'return_review',
              queue: 'returns',
              reason: `return ${created.number}: ${review.join(', ')} needs review`,
              details: { return_id: created.id, return_number: created.number, reasons: review },
            })
            .returning();
          if (hold) {
            events.push({
              type: 'order.held',
              resourceType: 'order',
              resourceId: order.order.id,
              channel: order.channel,
              data: { hold: presentHold(hold), return_id: created.id },
            });
          }
        } else {
          events.push(returnEvent(state, 'return.authorized'));
        }
        await appendEvents(tx, events);
        return state;
      });
      if (view.ret.status === 'authorized') {
        await ensureExchange(view.ret.id, caller);
      }
      return presentReturn(await reload(db, view.ret.id));
    },

    async list(
      query: {
        status?: ReturnStatus;
        order_id?: string;
        channel?: string;
        reason?: string;
        created_from?: string;
        limit: number;
        cursor?: string;
      },
      caller: Caller,
    ): Promise<Page<ReturnView>> {
      const after = decodeCursor(query.cursor, ['string', 'string']);
      const filters: SQL[] = [];
      if (query.status) {
        filters.push(eq(returns.status, query.status));
      }
      if (query.order_id) {
        filters.push(eq(returns.orderId, query.order_id));
      }
      const channel = caller.channel ?? query.channel;
      if (channel) {
        filters.push(eq(channels.code, channel));
      }
      if (query.reason) {
        filters.push(
          sql`EXISTS (SELECT 1 FROM return_lines rl WHERE rl.return_id = ${returns.id} AND rl.reason::text = ${query.reason})`,
        );
      }
      if (query.created_from) {
        filters.push(gte(returns.createdAt, new Date(query.created_from)));
      }
      if (after) {
        filters.push(
          sql`(${returns.createdAt}, ${returns.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
        );
      }
      const rows = await db
        .select({ id: returns.id, createdAt: returns.createdAt })
        .from(returns)
        .innerJoin(orders, eq(orders.id, returns.orderId))
        .innerJoin(channels, eq(channels.id, orders.channelId))
        .where(and(...filters))
        .orderBy(desc(returns.createdAt), desc(returns.id))
        .limit(query.limit + 1);
      const states = new Map(
        (
          await loadReturns(
            db,
            rows.map((row) => row.id),
          )
        ).map((s) => [s.ret.id, s]),
      );
      return toPage(
        rows.filter((row) => states.has(row.id)),
        query.limit,
        (row) => [row.createdAt.toISOString(), row.id],
        (row) => presentReturn(states.get(row.id) as ReturnState),
      );
    },

    get: async (id: string, caller: Caller) => presentReturn(await find(db, id, caller)),

    /** A person approves a return that needed review: its hold is resolved and an exchange created. */
    async authorize(id: string, caller: Caller): Promise<ReturnView> {
      await inTransaction(db, async (tx) => {
        const { state } = await lockWithOrder(tx, id, caller);
        const next = await setStatus(tx, state, 'authorized', { decision: null });
        await appendEvents(tx, [
          ...(await resolveReview(tx, state, 'released', caller)),
          returnEvent(next, 'return.authorized'),
        ]);
      });
      await ensureExchange(id, caller);
      return presentReturn(await reload(db, id));
    },

    async reject(id: string, reason: string | undefined, caller: Caller): Promise<ReturnView> {
      const state = await inTransaction(db, async (tx) => {
        const { state: current } = await lockWithOrder(tx, id, caller);
        const next = await setStatus(tx, current, 'rejected', { decision: reason ?? 'rejected' });
        await appendEvents(tx, [
          ...(await resolveReview(tx, current, 'cancelled', caller)),
          returnEvent(next, 'return.rejected', { reason: reason ?? null }),
        ]);
        return next;
      });
      if (state.ret.replacementOrderId) {
        // The exchange goes too, unless it already left.
        await orderService
          .cancel(
            state.ret.replacementOrderId,
            { reason: `return ${state.ret.number} rejected` },
            { ...caller, channel: null },
          )
          .catch((err: unknown) => {
            if (!(err instanceof AppError && err.code === 'conflict')) {
              throw err;
            }
          });
      }
      return presentReturn(await reload(db, id));
    },

    /** The customer sent the parcel back. */
    shipped: (id: string, input: { carrier?: string; tracking_number: string }, caller: Caller) =>
      inTransaction(db, async (tx) => {
        const { state } = await lockWithOrder(tx, id, caller);
        const next = await setStatus(tx, state, 'in_transit', {
          carrier: input.carrier ?? null,
          trackingNumber: input.tracking_number,
        });
        await appendEvents(tx, [returnEvent(next, 'return.in_transit')]);
        return presentReturn(next);
      }),

    /**
     * Units arrive at a location: sellable ones are restocked there (ledger `return_restock`, with the
     * availability events), damaged or opened ones are recorded and kept out of stock. Partial receipts
     * are fine. The order becomes partially_returned or returned; a waiting exchange is released.
     */
    async receive(id: string, input: ReceiveReturn, caller: Caller): Promise<ReturnView> {
      const { state, restocked } = await inTransaction(db, async (tx) => {
        const { order, state: current } = await lockWithOrder(tx, id, caller);
        assertReturnTransition(current.ret.status, 'received');
        const [location] = await tx
          .select({ id: locations.id })
          .from(locations)
          .where(eq(locations.code, input.location));
        const errors: FieldError[] = [];
        if (!location) {
          errors.push(bodyError('/location', `${input.location} is not a location`));
        }
        const left = new Map(
          current.lines.map((line) => [
            line.id,
            line.quantity - line.quantityRestocked - line.quantityUnsellable,
          ]),
        );
        const receipts = input.lines.flatMap((item, i) => {
          const line = current.lines.find(
            (l) => l.sku === item.sku && (left.get(l.id) ?? 0) >= item.quantity,
          );
          if (!line) {
            const expected = current.lines
              .filter((l) => l.sku === item.sku)
              .reduce((sum, l) => sum + (left.get(l.id) ?? 0), 0);
            errors.push(
              bodyError(
                `/lines/${i}`,
                `return ${current.ret.number} expects ${expected} more unit(s) of ${item.sku}, not ${item.quantity}`,
              ),
            );
            return [];
          }
          left.set(line.id, (left.get(line.id) ?? 0) - item.quantity);
          return [{ line, ...item }];
        });
        if (errors.length > 0 || !location) {
          throw invalid(errors);
        }
        const now = clock.now();
        await tx.insert(returnReceipts).values(
          receipts.map((r) => ({
            returnLineId: r.line.id,
            locationId: location.id,
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
          await tx
            .update(orderLines)
            .set({ quantityReturned: sql`${orderLines.quantityReturned} + ${r.quantity}` })
            .where(eq(orderLines.id, r.line.orderLineId));
        }
        const sellable = receipts.filter((r) => r.condition === 'sellable');
        await restock(
          tx,
          sellable.map((r) => ({
            productId: r.line.productId,
            locationId: location.id,
            quantity: r.quantity,
          })),
          { reference: `return:${current.ret.number}`, apiKeyId: caller.keyId },
        );
        const next = await setStatus(tx, current, 'received');
        const events = [
          returnEvent(next, 'return.received', {
            location: input.location,
            lines: input.lines.map(({ sku, quantity, condition }) => ({ sku, quantity, condition })),
          }),
        ];
        const [after] = await loadOrders(tx, [order.order.id]);
        if (after && ['shipped', 'delivered', 'partially_returned'].includes(after.order.status)) {
          const shipped = after.lines.reduce((sum, line) => sum + line.quantityShipped, 0);
          const back = after.lines.reduce((sum, line) => sum + line.quantityReturned, 0);
          const status: OrderStatus = back >= shipped ? 'returned' : 'partially_returned';
          if (status !== after.order.status) {
            assertTransition(after.order.status, status);
          }
          await tx.update(orders).set({ status, updatedAt: now }).where(eq(orders.id, after.order.id));
          events.push({
            type: status === 'returned' ? 'order.returned' : 'order.updated',
            resourceType: 'order',
            resourceId: after.order.id,
            channel: after.channel,
            data: {
              ...(status === 'returned' ? {} : { change: 'partially_returned' }),
              order: presentOrder({ ...after, order: { ...after.order, status, updatedAt: now } }),
            },
          });
        }
        if (next.ret.replacementOrderId) {
          // The exchange waited for this: it is released now.
          await tx
            .update(orders)
            .set({ releaseDueAt: now })
            .where(and(eq(orders.id, next.ret.replacementOrderId), eq(orders.releaseDueAt, awaitingReturn)));
        }
        await appendEvents(tx, events);
        return { state: next, restocked: sellable.length > 0 };
      });
      if (restocked) {
        stockAdded?.();
      }
      releaser.nudge();
      await ensureExchange(id, caller);
      return presentReturn(state.ret.replacementOrderId ? state : await reload(db, id));
    },

    /**
     * Records the refund for received units not yet refunded: what was paid for them (price, less
     * prorated discounts, plus tax), less the restocking fee for their reason, plus shipping by policy,
     * never more than was paid. The payment system is told by a `refund.requested` event.
     */
    refund: (id: string, caller: Caller): Promise<ReturnView> =>
      inTransaction(db, async (tx) => {
        const { order, state } = await lockWithOrder(tx, id, caller);
        if (state.ret.status !== 'received') {
          throw new AppError(
            'conflict',
            `A return that is ${state.ret.status} cannot be refunded; it must be received first`,
          );
        }
        const policy = await policyOf(tx, order);
        const units = state.lines.map((line) => ({
          line,
          units: line.quantityRestocked + line.quantityUnsellable - line.quantityRefunded,
        }));
        if (units.every((u) => u.units === 0)) {
          throw new AppError(
            'conflict',
            `Every received unit of return ${state.ret.number} is already refunded`,
          );
        }
        const [totals] = await tx
          .select({
            amount: sql<number>`coalesce(sum(${refunds.amount}), 0)::bigint`,
            shipping: sql<number>`coalesce(sum((${refunds.breakdown}->>'shipping')::bigint), 0)::bigint`,
          })
          .from(refunds)
          .where(eq(refunds.orderId, order.order.id));
        const refundedUnits = await tx
          .select({
            lineId: returnLines.orderLineId,
            units: sql<number>`sum(${returnLines.quantityRefunded})::int`,
          })
          .from(returnLines)
          .innerJoin(returns, eq(returns.id, returnLines.returnId))
          .where(eq(returns.orderId, order.order.id))
          .groupBy(returnLines.orderLineId);
        const before = new Map(refundedUnits.map((row) => [row.lineId, Number(row.units)]));
        const shippedUnits = order.lines.reduce((sum, line) => sum + line.quantityShipped, 0);
        const afterUnits =
          [...before.values()].reduce((a, b) => a + b, 0) + units.reduce((sum, u) => sum + u.units, 0);
        const payment = order.order.payment;
        const computed = computeRefund({
          order: {
            subtotal: order.order.subtotal,
            discountTotal: order.order.discountTotal,
            shippingAmount: order.order.shippingAmount,
            paid: ['captured', 'authorized'].includes(payment.status) ? payment.amount : 0,
          },
          lines: units.map(({ line, units: count }) => {
            const orderLine = order.lines.find((l) => l.id === line.orderLineId);
            return {
              orderLineId: line.orderLineId,
              sku: line.sku,
              quantity: orderLine?.quantity ?? 1,
              unitPrice: orderLine?.unitPrice ?? 0,
              taxAmount: orderLine?.taxAmount ?? 0,
              refundedBefore: before.get(line.orderLineId) ?? 0,
              units: count,
              restockingFeePercent: policy.restocking_fee_percent[line.reason] ?? 0,
            };
          }),
          refundedSoFar: Number(totals?.amount ?? 0),
          shippingRefundedSoFar: Number(totals?.shipping ?? 0),
          refundShipping:
            policy.refund_shipping === 'always' ||
            (policy.refund_shipping === 'full_return' && afterUnits >= shippedUnits),
        });
        const { amount, ...breakdown } = computed;
        const [refund] = await tx
          .insert(refunds)
          .values({
            returnId: state.ret.id,
            orderId: order.order.id,
            amount,
            currency: order.order.currency,
            breakdown,
            createdAt: clock.now(),
          })
          .returning();
        for (const { line, units: count } of units) {
          if (count > 0) {
            await tx
              .update(returnLines)
              .set({ quantityRefunded: sql`${returnLines.quantityRefunded} + ${count}` })
              .where(eq(returnLines.id, line.id));
          }
        }
        const next = await reload(tx, id);
        if (refund) {
          await appendEvents(tx, [
            {
              type: 'refund.requested',
              resourceType: 'refund',
              resourceId: refund.id,
              channel: state.order.channel,
              data: {
                refund: presentRefund(refund),
                return_id: state.ret.id,
                order_id: order.order.id,
                order_number: order.order.number,
              },
            },
          ]);
        }
        return presentReturn(next);
      }),

    /** The payment system reports the refund done: the order's lines show it. Idempotent. */
    confirmRefund: (
      refundId: string,
      externalReference: string | undefined,
      caller: Caller,
    ): Promise<ReturnView> =>
      inTransaction(db, async (tx) => {
        const [peek] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
        if (!peek) {
          throw notFound(`Refund ${refundId}`);
        }
        const { order, state } = await lockWithOrder(tx, peek.returnId, caller);
        const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
        if (!refund || refund.status === 'completed') {
          return presentReturn(state);
        }
        const now = clock.now();
        await tx
          .update(refunds)
          .set({ status: 'completed', externalReference: externalReference ?? null, confirmedAt: now })
          .where(eq(refunds.id, refundId));
        for (const line of refund.breakdown.lines) {
          await tx
            .update(orderLines)
            .set({
              quantityRefunded: sql`${orderLines.quantityRefunded} + ${line.quantity}`,
              amountRefunded: sql`${orderLines.amountRefunded} + ${line.amount}`,
            })
            .where(eq(orderLines.id, line.order_line_id));
        }
        await tx
          .update(orders)
          .set({ refundedTotal: sql`${orders.refundedTotal} + ${refund.amount}`, updatedAt: now })
          .where(eq(orders.id, order.order.id));
        const done = state.lines.every(
          (line) => line.quantityRefunded === line.quantityRestocked + line.quantityUnsellable,
        );
        const everything = state.lines.every(
          (line) => line.quantityRestocked + line.quantityUnsellable === line.quantity,
        );
        const next =
          state.ret.status === 'received' && done && everything
            ? await setStatus(tx, state, 'refunded')
            : await reload(tx, state.ret.id);
        await appendEvents(tx, [
          returnEvent(next, 'return.refunded', { refund_id: refundId, amount: refund.amount }),
        ]);
        return presentReturn(next);
      }),

    /** Ends a return without (more) refund: nothing more is coming back. */
    close: (id: string, reason: string | undefined, caller: Caller) =>
      inTransaction(db, async (tx) => {
        const { state } = await lockWithOrder(tx, id, caller);
        const next = await setStatus(tx, state, 'closed', { decision: reason ?? state.ret.decision });
        await appendEvents(tx, [returnEvent(next, 'return.closed', { reason: reason ?? null })]);
        return presentReturn(next);
      }),
  };
}
