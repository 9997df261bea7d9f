import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import { channels, holds, orderLines, orders, products } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { forgetReleased, release, releaseUnits } from '../allocation/index.js';
import { productFactsBySku } from '../catalog/lookup.js';
import { appendEvents } from '../events/index.js';
import { evaluateFraud, type FraudFacts } from '../fraud/evaluate.js';
import type { FraudService } from '../fraud/fraud.service.js';
import { releaseCancelledUnits, unitsInProgress } from '../fulfillment/withdraw.js';
import { orderPriority } from '../routing/priority.js';
import type { RoutingService, RoutingSession, UsageRow } from '../routing/routing.service.js';
import { type ChannelPolicy, writeLineQuantities } from './allocate.js';
import { CapacityTaken, type CaptureDraft, RepeatedOrder, writeCapture } from './capture.js';
import { addressHold, addressKey, type HoldNeed, paymentHold, totalsOf } from './checks.js';
import { editable, type OrderStatus } from './order-state.js';
import { loadOrders, type OrderState, presentOrder } from './order-store.js';
import type { CancelOrder, CreateOrder, OrderView, PaymentUpdate, UpdateOrder } from './orders.schemas.js';
import { settle } from './settle.js';

export interface OrderServiceDeps {
  db: Db;
  fraud: FraudService;
  clock: Clock;
  log: FastifyBaseLogger;
  routing: RoutingService;
  /** Called after a change released stock (a cancellation), so waiting backorders can take it. */
  stockFreed?: () => void;
  /** Called after a change may have made an order allocated, so its shipments are released when due. */
  allocated?: () => void;
}

type ChannelRow = typeof channels.$inferSelect;
const policyOf = (channel: ChannelRow): ChannelPolicy => ({
  id: channel.id,
  code: channel.code,
  priority: channel.priority,
  allowBackorders: channel.allowBackorders,
  heldReservationMinutes: channel.heldReservationMinutes,
  releaseDelayMinutes: channel.releaseDelayMinutes,
});

export type OrderService = ReturnType<typeof createOrderService>;

export function createOrderService({
  db,
  fraud,
  routing,
  clock,
  log,
  stockFreed,
  allocated,
}: OrderServiceDeps) {
  /** Passes a committed result through, after asking for the release of orders that became allocated. */
  const thenRelease = async <T>(result: Promise<T>): Promise<T> => {
    const value = await result;
    allocated?.();
    return value;
  };

  /** The channel an order is created in: the key's own when bound, else the one named in the body. */
  function channelCodeFor(caller: Caller, named: string | undefined): string {
    if (caller.channel !== null && named !== undefined && named !== caller.channel) {
      throw invalid([
        bodyError('/channel', `this API key may only create orders for channel "${caller.channel}"`),
      ]);
    }
    const code = named ?? caller.channel;
    if (code === null) {
      throw invalid([bodyError('/channel', 'is required for an API key that is not bound to a channel')]);
    }
    return code;
  }

  /**
   * Everything capture reads before its transaction, in one round trip: the channel, the lines'
   * products, and the counts of earlier orders that fraud rules look at.
   */
  async function captureContext(input: CreateOrder, channelCode: string, placedAt: Date) {
    const since = new Date(placedAt.getTime() - 3_600_000);
    const email = input.customer.email.toLowerCase();
    const result = await db.execute<{
      channel: Record<string, unknown> | null;
      products: Array<{
        id: number;
        sku: string;
        active: boolean;
        weight_grams: number | null;
        tags: string[];
      }>;
      seen: boolean;
      by_email: number;
      by_address: number;
      usage: UsageRow[];
    }>(sql`
      SELECT (SELECT to_jsonb(c) FROM channels c WHERE c.code = ${channelCode}) AS channel,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'sku', p.sku, 'active', p.active,
                                                           'weight_grams', p.weight_grams, 'tags', p.tags)), '[]')
                FROM products p WHERE p.sku = ANY(${sql.param([...new Set(input.lines.map((line) => line.sku))])}::text[])) AS products,
             EXISTS (SELECT 1 FROM orders WHERE customer_email = ${email}) AS seen,
             (SELECT count(*)::int FROM orders WHERE customer_email = ${email} AND placed_at > ${since}) AS by_email,
             (SELECT count(*)::int FROM orders WHERE address_key = ${addressKey(input.ship_to)} AND placed_at > ${since}) AS by_address,
             (${routing.usageSelect()}) AS usage`);
    const row = result.rows[0];
    const channel = row?.channel;
    return {
      channel:
        channel && channel.active === true
          ? {
              id: Number(channel.id),
              code: String(channel.code),
              priority: Number(channel.priority),
              allowBackorders: channel.allow_backorders === true,
              heldReservationMinutes: Number(channel.held_reservation_minutes),
              releaseDelayMinutes: Number(channel.release_delay_minutes),
            }
          : undefined,
      products: new Map(
        (row?.products ?? []).map((product) => [
          product.sku,
          {
            id: product.id,
            sku: product.sku,
            active: product.active,
            weightGrams: product.weight_grams ?? 0,
            tags: product.tags,
          },
        ]),
      ),
      velocity: { seen: row?.seen ?? false, byEmail: row?.by_email ?? 0, byAddress: row?.by_address ?? 0 },
      usage: row?.usage ?? [],
    };
  }

  /** Every line's SKU must name an active product: anything else is a 422 and nothing is stored. */
  async function productsFor(lines: Array<{ sku: string }>, pointer: string, tx: Executor = db) {
    const skus = [...new Set(lines.map((line) => line.sku))];
    const rows = await tx
      .select({ id: products.id, sku: products.sku, active: products.active })
      .from(products)
      .where(inArray(products.sku, skus));
    const bySku = new Map(rows.map((row) => [row.sku, row]));
    const errors = lines.flatMap((line, i) => {
      const product = bySku.get(line.sku);
      return product?.active
        ? []
        : [
            bodyError(
              `${pointer}/${i}/sku`,
              product ? `"${line.sku}" is not an active product` : `"${line.sku}" is not a known SKU`,
            ),
          ];
    });
    return { bySku, errors };
  }

  /** The facts fraud rules see about this order. */
  function fraudFacts(
    input: CreateOrder,
    channel: string,
    total: number,
    velocity: { seen: boolean; byEmail: number; byAddress: number },
  ): FraudFacts {
    const quantities = new Map<string, number>();
    for (const line of input.lines) {
      quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
    }
    const billingCountry = input.billing_address?.country ?? null;
    return {
      total,
      currency: input.currency,
      subtotal: input.lines.reduce((sum, line) => sum + line.quantity * line.unit_price, 0),
      channel,
      service_level: input.shipping.service_level,
      shipping_country: input.ship_to.country,
      billing_country: billingCountry,
      countries_differ: billingCountry !== null && billingCountry !== input.ship_to.country,
      avs_result: input.payment.avs_result ?? null,
      cvv_result: input.payment.cvv_result ?? null,
      payment_method: input.payment.method ?? null,
      first_order_of_email: !velocity.seen,
      orders_from_email_last_hour: velocity.byEmail,
      orders_from_address_last_hour: velocity.byAddress,
      max_sku_quantity: Math.max(...quantities.values()),
      line_count: input.lines.length,
      unit_count: input.lines.reduce((sum, line) => sum + line.quantity, 0),
      tags: input.tags ?? [],
    };
  }

  /** Finds an order by id or number, locked when asked; another channel's order does not exist. */
  async function find(tx: Executor, idOrNumber: string, caller: Caller, lock = false): Promise<OrderState> {
    const where = /^[0-9]+$/.test(idOrNumber)
      ? eq(orders.number, Number(idOrNumber))
      : eq(orders.id, idOrNumber);
    const [row] = await tx.select({ id: orders.id }).from(orders).where(where);
    const [state] = row ? await loadOrders(tx, [row.id], { lock }) : [];
    if (!state || (caller.channel !== null && state.channel !== caller.channel)) {
      throw notFound(`Order ${idOrNumber}`);
    }
    return state;
  }

  async function channelPolicy(tx: Executor, channelId: number): Promise<ChannelPolicy> {
    const [channel] = await tx.select().from(channels).where(eq(channels.id, channelId));
    if (!channel) {
      throw new Error(`channel ${channelId} vanished`);
    }
    return policyOf(channel);
  }

  /** Routing by the channel's rules for an order being re-allocated (edits, hold releases, backorders). */
  async function routingFor(
    tx: Executor,
    state: OrderState,
    channel: ChannelPolicy,
    options: { skipCostReview?: boolean } = {},
  ): Promise<RoutingSession> {
    const products = await productFactsBySku(
      tx,
      state.lines.map((line) => line.sku),
    );
    return routing.session(
      {
        channel: state.channel,
        shipTo: state.order.shipTo,
        serviceLevel: state.order.serviceLevel,
        total: state.order.total,
        currency: state.order.currency,
        priority: state.order.priority,
      },
      [...products.values()],
      await routing.usage(tx),
      { allowPartial: channel.allowBackorders, ...options },
      tx,
    );
  }

  const orderEvent =
    (state: OrderState, type: string, data: Record<string, unknown> = {}) =>
    () => ({
      type,
      resourceType: 'order',
      resourceId: state.order.id,
      channel: state.channel,
      data,
    });

  return {
    /**
     * Captures an order: validates, checks address, payment and fraud, reserves stock and records
     * holds and events, in one transaction. A repeat of (channel, external_id) returns the existing
     * order instead, even when copies race or an earlier response was lost.
     */
    async capture(
      input: CreateOrder,
      caller: Caller,
      options: { releaseAt?: Date } = {},
    ): Promise<{ order: OrderView; created: boolean }> {
      const channelCode = channelCodeFor(caller, input.channel);
      const placedAt = input.placed_at ? new Date(input.placed_at) : clock.now();
      const [context, ruleSet] = await Promise.all([
        captureContext(input, channelCode, placedAt),
        fraud.current(),
      ]);
      const { channel, products: catalog } = context;
      const errors = input.lines.flatMap((line, i) => {
        const product = catalog.get(line.sku);
        return product?.active
          ? []
          : [
              bodyError(
                `/lines/${i}/sku`,
                product ? `"${line.sku}" is not an active product` : `"${line.sku}" is not a known SKU`,
              ),
            ];
      });
      if (!channel) {
        errors.unshift(bodyError('/channel', `"${channelCode}" is not an active channel`));
      }
      const discounts = input.discounts ?? [];
      const totals = totalsOf(input.lines, discounts, input.shipping.amount);
      if (totals.total < 0) {
        errors.push(
          bodyError('/discounts', `discounts of ${totals.discount_total} exceed what the order costs`),
        );
      }
      if (!channel || errors.length > 0) {
        throw invalid(errors);
      }
      const risk = evaluateFraud(fraudFacts(input, channel.code, totals.total, context.velocity), ruleSet);
      if (risk.errors.length > 0) {
        log.warn(
          { errors: risk.errors, version: risk.version },
          'fraud rules failed on an order; they count as not firing',
        );
      }
      const { errors: _, ...riskRecord } = risk;

      const rejected = risk.decision === 'reject';
      const draft: CaptureDraft = {
        channel,
        now: clock.now(),
        ...(options.releaseAt ? { releaseAt: options.releaseAt } : {}),
        order: {
          channelId: channel.id,
          externalId: input.external_id,
          releaseDueAt: null,
          refundedTotal: 0,
          customer: input.customer,
          customerEmail: input.customer.email.toLowerCase(),
          shipTo: input.ship_to,
          addressKey: addressKey(input.ship_to),
          billingAddress: input.billing_address ?? null,
          currency: input.currency,
          serviceLevel: input.shipping.service_level,
          shippingAmount: totals.shipping,
          discounts,
          subtotal: totals.subtotal,
          discountTotal: totals.discount_total,
          taxTotal: totals.tax_total,
          total: totals.total,
          payment: input.payment,
          risk: riskRecord,
          priority: orderPriority(input.shipping.service_level, channel.priority),
          tags: input.tags ?? [],
          metadata: input.metadata ?? {},
          placedAt,
          cancelReason: null,
          createdBy: caller.keyId,
          destination: null,
          routing: null,
          promisedDeliveryDate: null,
        },
        lines: input.lines.map((line, i) => ({
          lineNumber: i + 1,
          productId: catalog.get(line.sku)?.id ?? 0,
          sku: line.sku,
          quantity: line.quantity,
          unitPrice: line.unit_price,
          taxAmount: line.tax_amount ?? 0,
          quantityAllocated: 0,
          quantityBackordered: 0,
          quantityCancelled: rejected ? line.quantity : 0,
          quantityShipped: 0,
          quantityReturned: 0,
          quantityRefunded: 0,
          amountRefunded: 0,
        })),
        needs: rejected
          ? []
          : [
              addressHold(input.ship_to, input.shipping.service_level),
              paymentHold(input.payment, totals.total, input.currency),
              risk.decision === 'review'
                ? ({
                    kind: 'fraud',
                    reason: `risk score ${risk.score}: ${risk.reasons.join('; ')}`,
                    details: { ...riskRecord },
                  } as HoldNeed)
                : undefined,
            ].filter((need): need is HoldNeed => need !== undefined),
        ...(rejected ? { rejection: `fraud: ${risk.reasons.join('; ')}` } : {}),
      };
      const routedOrder = {
        channel: channel.code,
        shipTo: input.ship_to,
        serviceLevel: input.shipping.service_level,
        total: totals.total,
        currency: input.currency,
        priority: draft.order.priority,
      };
      let usage = context.usage;
      for (let attempt = 1; ; attempt++) {
        try {
          const session = await routing.session(routedOrder, [...catalog.values()], usage, {
            allowPartial: channel.allowBackorders,
          });
          const order = await inTransaction(db, (tx) => writeCapture(tx, draft, session));
          if (order.status === 'allocated') {
            allocated?.();
          }
          return { order, created: true };
        } catch (err) {
          if (err instanceof CapacityTaken && attempt < 3) {
            // Another order took a location's last room today: route again with fresh usage.
            usage = await routing.usage(db);
            continue;
          }
          if (err instanceof CapacityTaken) {
            throw new AppError('service_unavailable', 'Locations filled up while routing this order; retry', {
              retryAfterSeconds: 1,
            });
          }
          if (!(err instanceof RepeatedOrder)) {
            throw err;
          }
          break;
        }
      }
      // The same (channel, external_id) was captured before, or by a copy that just committed.
      const [existing] = await db
        .select({ id: orders.id })
        .from(orders)
        .where(and(eq(orders.channelId, channel.id), eq(orders.externalId, input.external_id)));
      const [state] = await loadOrders(db, [existing?.id ?? '']);
      if (!state) {
        throw new Error('a conflicting order vanished');
      }
      return { order: presentOrder(state), created: false };
    },

    async get(idOrNumber: string, caller: Caller): Promise<OrderView> {
      return presentOrder(await find(db, idOrNumber, caller));
    },

    async list(
      query: {
        limit: number;
        cursor?: string;
        status?: OrderStatus;
        channel?: string;
        sku?: string;
        customer_email?: string;
        external_id?: string;
        placed_from?: string;
        placed_to?: string;
        hold_kind?: string;
      },
      caller: Caller,
    ): Promise<Page<OrderView>> {
      const after = decodeCursor(query.cursor, ['number']);
      if (caller.channel !== null && query.channel !== undefined && query.channel !== caller.channel) {
        return { data: [], next_cursor: null };
      }
      const channel = caller.channel ?? query.channel;
      const rows = await db
        .select({ id: orders.id, number: orders.number })
        .from(orders)
        .innerJoin(channels, eq(channels.id, orders.channelId))
        .where(
          and(
            channel === undefined ? undefined : eq(channels.code, channel),
            query.status === undefined ? undefined : eq(orders.status, query.status),
            query.customer_email === undefined
              ? undefined
              : eq(orders.customerEmail, query.customer_email.toLowerCase()),
            query.external_id === undefined ? undefined : eq(orders.externalId, query.external_id),
            query.placed_from === undefined ? undefined : gte(orders.placedAt, new Date(query.placed_from)),
            query.placed_to === undefined ? undefined : lt(orders.placedAt, new Date(query.placed_to)),
            query.sku === undefined
              ? undefined
              : sql`EXISTS (SELECT 1 FROM ${orderLines} WHERE ${orderLines.orderId} = ${orders.id} AND ${orderLines.sku} = ${query.sku})`,
            query.hold_kind === undefined
              ? undefined
              : sql`EXISTS (SELECT 1 FROM ${holds} WHERE ${holds.orderId} = ${orders.id} AND ${holds.status} = 'open'
                              AND ${holds.kind}::text = ${query.hold_kind})`,
            after ? lt(orders.number, Number(after[0])) : undefined,
          ),
        )
        .orderBy(desc(orders.number))
        .limit(query.limit + 1);
      const states = new Map(
        (
          await loadOrders(
            db,
            rows.map((row) => row.id),
          )
        ).map((state) => [state.order.id, state]),
      );
      return toPage(
        rows.filter((row) => states.has(row.id)),
        query.limit,
        (row) => [row.number],
        (row) => presentOrder(states.get(row.id) as OrderState),
      );
    },

    /** Cancels the whole order or some line quantities, releasing their reservations. */
    async cancel(idOrNumber: string, input: CancelOrder, caller: Caller): Promise<OrderView> {
      const order = await inTransaction(db, async (tx) => {
        const state = await find(tx, idOrNumber, caller, true);
        // After release, units still in pending shipments can be cancelled; picked or packed ones cannot.
        const released = ['released', 'partially_shipped'].includes(state.order.status);
        if (!editable.includes(state.order.status) && !released) {
          throw new AppError('conflict', `An order that is ${state.order.status} cannot be cancelled`);
        }
        // Any status may have shipments (a re-routed order is allocated or held again with some pending).
        const inProgress = await unitsInProgress(
          tx,
          state.lines.map((line) => line.id),
        );
        const cancellable = (line: (typeof state.lines)[number]) =>
          line.quantity - line.quantityCancelled - line.quantityShipped - (inProgress.get(line.id) ?? 0);
        const wanted =
          input.lines ?? state.lines.map((line) => ({ line_id: line.id, quantity: cancellable(line) }));
        const errors: FieldError[] = [];
        const lines = state.lines.map((line) => ({ ...line }));
        for (const [i, request] of wanted.entries()) {
          const line = lines.find((l) => l.id === request.line_id);
          const open = line ? cancellable(line) : 0;
          if (!line) {
            errors.push(bodyError(`/lines/${i}/line_id`, `line ${request.line_id} is not on this order`));
          } else if (request.quantity > open) {
            errors.push(
              bodyError(`/lines/${i}/quantity`, `only ${open} of line ${line.id} can still be cancelled`),
            );
          } else if (request.quantity > 0) {
            // Backordered units go first; reserved ones are released.
            const fromBackorder = Math.min(request.quantity, line.quantityBackordered);
            // Units neither backordered nor reserved (a stock hold, expired reservations) just go.
            const fromAllocation = Math.min(request.quantity - fromBackorder, line.quantityAllocated);
            await releaseCancelledUnits(tx, line.id, fromAllocation, input.reason);
            line.quantityBackordered -= fromBackorder;
            line.quantityAllocated -= fromAllocation;
            line.quantityCancelled += request.quantity;
          }
        }
        if (errors.length > 0) {
          throw invalid(errors);
        }
        await writeLineQuantities(tx, lines);
        const whole = lines.every((line) => line.quantityCancelled === line.quantity);
        if (whole) {
          await tx
            .update(holds)
            .set({
              status: 'cancelled',
              resolvedAt: clock.now(),
              resolvedBy: caller.keyId,
              note: 'order cancelled',
            })
            .where(and(eq(holds.orderId, state.order.id), eq(holds.status, 'open')));
          await tx
            .update(orders)
            .set({
              status: 'cancelled',
              cancelReason: input.reason,
              releaseDueAt: null,
              updatedAt: sql`now()`,
            })
            .where(eq(orders.id, state.order.id));
          const [cancelled] = await loadOrders(tx, [state.order.id]);
          const snapshot = presentOrder(cancelled as OrderState);
          await appendEvents(tx, [
            orderEvent(state, 'order.cancelled', { order: snapshot, reason: input.reason })(),
          ]);
          return snapshot;
        }
        const settled = await settle(
          tx,
          { ...state, lines },
          await channelPolicy(tx, state.order.channelId),
          clock,
          {
            checked: ['stock'],
            reloadReservations: true,
            needs: [],
            actor: caller.keyId,
            events: [
              orderEvent(state, 'order.updated', {
                change: 'lines_cancelled',
                reason: input.reason,
                lines: wanted,
              }),
            ],
          },
        );
        return presentOrder(settled);
      });
      stockFreed?.();
      allocated?.();
      return order;
    },

    /**
     * Changes addresses, customer or lines before release, atomically: the order's reservations are
     * released, the changes applied, the checks re-run and the stock re-reserved, or nothing changes.
     */
    update: (idOrNumber: string, input: UpdateOrder, caller: Caller): Promise<OrderView> =>
      thenRelease(
        inTransaction(db, async (tx) => {
          const state = await find(tx, idOrNumber, caller, true);
          if (!editable.includes(state.order.status)) {
            throw new AppError('conflict', `An order that is ${state.order.status} can no longer be changed`);
          }
          let lines = state.lines;
          if (input.lines) {
            const catalog = await productsFor(input.lines, '/lines', tx);
            if (catalog.errors.length > 0) {
              throw invalid(catalog.errors);
            }
            const skus = input.lines.map((line) => line.sku);
            if (new Set(skus).size !== skus.length) {
              throw invalid([bodyError('/lines', 'each SKU may appear on one line only')]);
            }
            // Lines keep what they reserved, up to their new quantity; removed lines give it all back.
            const kept = state.lines.filter((line) => skus.includes(line.sku));
            const removed = state.lines.filter((line) => !skus.includes(line.sku));
            if (removed.length > 0) {
              const removedIds = removed.map((line) => line.id);
              await release(tx, { orderLineIds: removedIds });
              await forgetReleased(tx, removedIds);
              await tx.delete(orderLines).where(
                inArray(
                  orderLines.id,
                  removed.map((line) => line.id),
                ),
              );
            }
            let next = Math.max(0, ...state.lines.map((line) => line.lineNumber));
            lines = [];
            for (const line of input.lines) {
              const existing = kept.find((k) => k.sku === line.sku);
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
                      productId: catalog.bySku.get(line.sku)?.id ?? 0,
                      sku: line.sku,
                    })
                    .returning();
              if (row) {
                lines.push(row);
              }
            }
          }
          const shipTo = input.ship_to ?? state.order.shipTo;
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
          const channel = await channelPolicy(tx, state.order.channelId);
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
              priority: orderPriority(shipping.service_level, channel.priority),
              tags: input.tags,
              metadata: input.metadata,
              updatedAt: sql`now()`,
            })
            .where(eq(orders.id, state.order.id))
            .returning();
          // Changed lines had every reservation released above; they are re-taken in settle.
          const edited = {
            ...state,
            order: order ?? state.order,
            lines,
            reservations: input.lines ? [] : state.reservations,
          };
          const needs = [
            addressHold(shipTo, shipping.service_level),
            paymentHold(edited.order.payment, totals.total, edited.order.currency),
          ].filter((need): need is HoldNeed => need !== undefined);
          const settled = await settle(tx, edited, channel, clock, {
            routing: await routingFor(tx, edited, channel),
            checked: ['address', 'payment', 'stock'],
            reloadReservations: input.lines !== undefined,
            needs,
            actor: caller.keyId,
            events: [orderEvent(state, 'order.updated', { change: 'edited', fields: Object.keys(input) })],
          });
          return presentOrder(settled);
        }),
      ),

    /** Records a later payment status; a payment that now covers the order releases its payment hold. */
    setPayment: (idOrNumber: string, input: PaymentUpdate, caller: Caller): Promise<OrderView> =>
      thenRelease(
        inTransaction(db, async (tx) => {
          const state = await find(tx, idOrNumber, caller, true);
          if (state.order.status === 'cancelled') {
            throw new AppError('conflict', 'The order is cancelled');
          }
          const payment = {
            ...state.order.payment,
            status: input.status,
            ...(input.amount === undefined ? {} : { amount: input.amount }),
            ...(input.method === undefined ? {} : { method: input.method }),
          };
          const [order] = await tx
            .update(orders)
            .set({ payment, updatedAt: sql`now()` })
            .where(eq(orders.id, state.order.id))
            .returning();
          const need = paymentHold(payment, state.order.total, state.order.currency);
          if (!editable.includes(state.order.status)) {
            const snapshot = presentOrder({ ...state, order: order ?? state.order });
            await appendEvents(tx, [
              orderEvent(state, 'order.updated', { change: 'payment', order: snapshot })(),
            ]);
            return snapshot;
          }
          const settled = await settle(
            tx,
            { ...state, order: order ?? state.order },
            await channelPolicy(tx, state.order.channelId),
            clock,
            {
              checked: ['payment'],
              needs: need ? [need] : [],
              actor: caller.keyId,
              events: [
                orderEvent(state, 'order.updated', {
                  change: 'payment',
                  payment: { status: payment.status, amount: payment.amount },
                }),
              ],
            },
          );
          return presentOrder(settled);
        }),
      ),

    /** The routing decision recorded on the order: destination, promised date and the trace. */
    async routingOf(idOrNumber: string, caller: Caller) {
      const { order } = await find(db, idOrNumber, caller);
      return {
        order_id: order.id,
        destination: order.destination,
        promised_delivery_date: order.promisedDeliveryDate,
        routing: order.routing,
      };
    },

    find,
    channelPolicy,
    routingFor,
    thenRelease,
  };
}
