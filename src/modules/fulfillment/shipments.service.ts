import { and, desc, eq, lte, type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import type { TrackingEvent } from '../../db/schema/fulfillment.js';
import { channels, locations, orders, shipmentLines, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { activeReservations, consume, releaseUnits } from '../allocation/index.js';
import type { CarrierService } from '../carriers/carriers.service.js';
import { productFactsBySku } from '../catalog/lookup.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { writeOff } from '../inventory/index.js';
import { assertTransition, fulfillmentStatus } from '../orders/order-state.js';
import { loadOrders, type OrderState, presentOrder, quantitiesOf } from '../orders/order-store.js';
import type { OrderService } from '../orders/orders.service.js';
import { settle } from '../orders/settle.js';
import { type CarrierAdapter, httpCarrier, rateCardCarrier } from './carrier-adapter.js';
import type { PackingRuleService } from './packing.service.js';
import type { Releaser } from './release.js';
import { planShipment } from './shipment-plan.js';
import { assertShipmentTransition, inBuilding, type ShipmentStatus } from './shipment-state.js';
import { loadShipments, presentShipment, type ShipmentState } from './shipment-store.js';
import type { ConfirmShipment, RejectLines, ShipmentView, TrackingUpdate } from './shipments.schemas.js';

/** Units a location hands back: a rejected line, a short pick, units a WMS did not ship. */
export interface GiveBack {
  shipmentLineId: number;
  quantity: number;
}

export interface ShipmentServiceDeps {
  db: Db;
  clock: Clock;
  orders: OrderService;
  carriers: CarrierService;
  packing: PackingRuleService;
  releaser: Releaser;
  /** Whether carrier endpoints may be private addresses (ORDO_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivateEndpoints?: boolean;
  /** Units went back to stock: backordered orders may use them. */
  stockFreed?: () => void;
}

export type ShipmentService = ReturnType<typeof createShipmentService>;

export function createShipmentService({
  db,
  clock,
  orders: orderService,
  carriers,
  packing,
  releaser,
  allowPrivateEndpoints = false,
  stockFreed,
}: ShipmentServiceDeps) {
  const shipmentEvent = (
    state: ShipmentState,
    type: string,
    data: Record<string, unknown> = {},
  ): NewEvent => ({
    type,
    resourceType: 'shipment',
    resourceId: state.shipment.id,
    channel: state.order.channel,
    data: { ...data, shipment: presentShipment(state) },
  });

  /** A shipment the caller may see: another channel's does not exist for a channel-bound key. */
  async function find(tx: Executor, id: string, caller: Caller, lock = false): Promise<ShipmentState> {
    const [state] = await loadShipments(tx, [id], { lock });
    if (!state || (caller.channel !== null && state.order.channel !== caller.channel)) {
      throw notFound(`Shipment ${id}`);
    }
    return state;
  }

  /** Locks the shipment's order, then the shipment: the order every path that changes both uses. */
  async function lockWithOrder(
    tx: Executor,
    id: string,
    caller: Caller,
  ): Promise<{ order: OrderState; shipment: ShipmentState }> {
    const peek = await find(tx, id, caller);
    const [order] = await loadOrders(tx, [peek.shipment.orderId], { lock: true });
    const shipment = await find(tx, id, caller, true);
    if (!order) {
      throw notFound(`Shipment ${id}`);
    }
    return { order, shipment };
  }

  const reload = async (tx: Executor, id: string) => {
    const [state] = await loadShipments(tx, [id]);
    if (!state) {
      throw notFound(`Shipment ${id}`);
    }
    return state;
  };

  function assertOwnFlow(state: ShipmentState, action: string): void {
    if (state.location.fulfillment === 'external_wms') {
      throw new AppError(
        'conflict',
        `${state.location.code} is run by an external WMS: it cannot ${action} through Ordo; the WMS confirms with POST /v1/shipments/{id}/confirm`,
      );
    }
  }

  /** Resolves SKU quantities in a request to the shipment's lines, every bad row reported. */
  function linesBySku(state: ShipmentState, requested: Array<{ sku: string; quantity: number }>): GiveBack[] {
    const errors: FieldError[] = [];
    const wanted = new Map<number, number>();
    requested.forEach((item, i) => {
      const line = state.lines.find((l) => l.sku === item.sku && l.quantity > 0);
      if (!line) {
        errors.push(bodyError(`/lines/${i}/sku`, `${item.sku} is not in shipment ${state.shipment.number}`));
        return;
      }
      const total = (wanted.get(line.id) ?? 0) + item.quantity;
      if (total > line.quantity) {
        errors.push(
          bodyError(
            `/lines/${i}/quantity`,
            `the shipment carries ${line.quantity} × ${item.sku}, not ${total}`,
          ),
        );
      }
      wanted.set(line.id, total);
    });
    if (errors.length > 0) {
      throw invalid(errors);
    }
    return [...wanted].map(([shipmentLineId, quantity]) => ({ shipmentLineId, quantity }));
  }

  /**
   * Takes units out of a shipment still in the building and sends them back through routing, with
   * the location excluded: their reservation there is released (and with `writeOff`, the shelf's
   * on_hand corrected), then the order is settled again: the units are reserved elsewhere, backordered,
   * or put on a stock hold. A shipment left with nothing is cancelled. Runs under the order's lock.
   */
  async function giveBack(
    tx: Executor,
    order: OrderState,
    state: ShipmentState,
    items: GiveBack[],
    options: { reason: string; writeOff: boolean; actor: string | null; events: NewEvent[] },
  ): Promise<OrderState> {
    const wanted = items.filter((item) => item.quantity > 0);
    if (wanted.length === 0) {
      return order;
    }
    const lines = order.lines.map((line) => ({ ...line }));
    const corrections = [];
    for (const item of wanted) {
      const shipmentLine = state.lines.find((line) => line.id === item.shipmentLineId);
      const line = lines.find((l) => l.id === shipmentLine?.orderLineId);
      if (!shipmentLine || !line) {
        continue;
      }
      await tx.execute(sql`
        UPDATE shipment_lines
           SET quantity = quantity - ${item.quantity},
               quantity_scanned = least(quantity_scanned, quantity - ${item.quantity}),
               quantity_picked = least(quantity_picked, quantity - ${item.quantity})
         WHERE id = ${shipmentLine.id}`);
      const released = await releaseUnits(tx, line.id, item.quantity, state.location.id);
      line.quantityAllocated -= released;
      if (options.writeOff) {
        corrections.push({
          productId: line.productId,
          locationId: state.location.id,
          quantity: item.quantity,
        });
      }
    }
    await writeOff(tx, corrections, {
      reference: `shipment:${state.shipment.number}`,
      apiKeyId: options.actor,
    });
    const after = await reload(tx, state.shipment.id);
    if (after.lines.every((line) => line.quantity === 0)) {
      assertShipmentTransition(after.shipment.status, 'cancelled');
      await tx
        .update(shipments)
        .set({ status: 'cancelled', updatedAt: clock.now() })
        .where(eq(shipments.id, after.shipment.id));
      options.events.push(
        shipmentEvent(
          { ...after, shipment: { ...after.shipment, status: 'cancelled' } },
          'shipment.cancelled',
          { reason: options.reason },
        ),
      );
    } else {
      options.events.push(
        shipmentEvent(after, 'shipment.updated', { change: 'lines_given_back', reason: options.reason }),
      );
    }

    const channel = await orderService.channelPolicy(tx, order.order.channelId);
    const routing = await orderService.routingFor(tx, { ...order, lines }, channel);
    const excluded = state.location.id;
    return settle(tx, { ...order, lines }, channel, clock, {
      routing: {
        ...routing,
        planner: (input) =>
          routing.planner({
            ...input,
            candidates: input.candidates.filter((c) => c.locationId !== excluded),
          }),
      },
      checked: ['stock'],
      reloadReservations: true,
      needs: [],
      actor: options.actor,
      events: [
        (snapshot) => ({
          type: 'order.updated',
          resourceType: 'order',
          resourceId: order.order.id,
          channel: order.channel,
          data: {
            change: 'rerouted',
            reason: options.reason,
            from_location: state.location.code,
            shipment_id: state.shipment.id,
            order: snapshot,
          },
        }),
      ],
    });
  }

  /**
   * After parcels left or arrived: moves the order to partially_shipped, shipped or delivered from
   * its lines and shipments, with the order event. Holds and pending re-allocations keep their status.
   */
  async function progressOrder(tx: Executor, orderId: string, events: NewEvent[]): Promise<void> {
    const [order] = await loadOrders(tx, [orderId]);
    if (!order || !['released', 'partially_shipped', 'shipped', 'allocated'].includes(order.order.status)) {
      return;
    }
    const statuses = await tx
      .select({ status: shipments.status })
      .from(shipments)
      .where(eq(shipments.orderId, orderId));
    const next = fulfillmentStatus(order.lines.map(quantitiesOf), statuses);
    if (!next || next === order.order.status || next === 'cancelled') {
      return;
    }
    assertTransition(order.order.status, next);
    const now = clock.now();
    await tx.update(orders).set({ status: next, updatedAt: now }).where(eq(orders.id, orderId));
    const snapshot = presentOrder({ ...order, order: { ...order.order, status: next, updatedAt: now } });
    events.push({
      type: next === 'partially_shipped' ? 'order.updated' : `order.${next}`,
      resourceType: 'order',
      resourceId: orderId,
      channel: order.channel,
      data: { ...(next === 'partially_shipped' ? { change: 'partially_shipped' } : {}), order: snapshot },
    });
  }

  /** Consumes the reserved units of the shipment's lines at its location: on_hand and reserved drop. */
  async function consumeShipment(
    tx: Executor,
    order: OrderState,
    state: ShipmentState,
    quantities: Map<number, number>,
    actor: string | null,
  ): Promise<void> {
    const active = await activeReservations(
      tx,
      state.lines.map((line) => line.orderLineId),
      state.location.id,
    );
    const items: Array<{ reservationId: number; quantity: number }> = [];
    for (const line of state.lines) {
      let left = quantities.get(line.id) ?? 0;
      for (const reservation of active) {
        if (left === 0) {
          break;
        }
        if (reservation.orderLineId !== line.orderLineId || reservation.quantity === 0) {
          continue;
        }
        const take = Math.min(left, reservation.quantity);
        items.push({ reservationId: reservation.id, quantity: take });
        reservation.quantity -= take;
        left -= take;
      }
      if (left > 0) {
        throw new AppError(
          'conflict',
          `${line.sku} has ${left} unit(s) in shipment ${state.shipment.number} with no stock reserved at ${state.location.code}`,
        );
      }
    }
    if (items.length > 0) {
      const result = await consume(tx, items, {
        reference: `shipment:${state.shipment.number}`,
        apiKeyId: actor,
      });
      if (!result.ok) {
        throw new AppError(
          'conflict',
          result.reason === 'not_on_shelf'
            ? `${state.location.code} no longer has the units on hand (a count lowered them); correct the stock or reject the lines`
            : `The reservations of shipment ${state.shipment.number} changed; try again`,
        );
      }
    }
    const lines = order.lines.map((line) => {
      const shipped = state.lines
        .filter((s) => s.orderLineId === line.id)
        .reduce((sum, s) => sum + (quantities.get(s.id) ?? 0), 0);
      return {
        ...line,
        quantityAllocated: line.quantityAllocated - shipped,
        quantityShipped: line.quantityShipped + shipped,
      };
    });
    await tx.execute(sql`
      UPDATE order_lines l SET quantity_allocated = v.allocated, quantity_shipped = v.shipped
        FROM unnest(${sql.param(lines.map((l) => l.id))}::bigint[], ${sql.param(lines.map((l) => l.quantityAllocated))}::int[],
                    ${sql.param(lines.map((l) => l.quantityShipped))}::int[]) AS v(id, allocated, shipped)
       WHERE l.id = v.id`);
  }

  async function adapterFor(carrier: string): Promise<CarrierAdapter> {
    const config = await carriers.adapterConfig(carrier);
    if (config?.adapter === 'http' && config.endpoint) {
      return httpCarrier({
        endpoint: config.endpoint,
        apiToken: config.apiToken ?? null,
        allowPrivate: allowPrivateEndpoints,
      });
    }
    return rateCardCarrier(async () => {
      const result = await db.execute<{ serial: string }>(
        sql`SELECT nextval('tracking_serial_seq') AS serial`,
      );
      return Number(result.rows[0]?.serial);
    });
  }

  /** Records that the parcel left: reservations consumed, lines shipped, order progressed, events. */
  async function markShipped(
    tx: Executor,
    order: OrderState,
    state: ShipmentState,
    label: {
      carrier: string;
      service: string;
      trackingNumber: string;
      trackingUrl: string | null;
      cost?: number | null;
    },
    quantities: Map<number, number>,
    caller: Caller,
    events: NewEvent[],
  ): Promise<ShipmentState> {
    assertShipmentTransition(state.shipment.status, 'shipped');
    await consumeShipment(tx, order, state, quantities, caller.keyId);
    const now = clock.now();
    await tx
      .update(shipments)
      .set({
        status: 'shipped',
        carrier: label.carrier,
        service: label.service,
        trackingNumber: label.trackingNumber,
        trackingUrl: label.trackingUrl,
        ...(label.cost === undefined ? {} : { cost: label.cost }),
        shippedAt: now,
        updatedAt: now,
      })
      .where(eq(shipments.id, state.shipment.id));
    const shipped = await reload(tx, state.shipment.id);
    events.push(shipmentEvent(shipped, 'shipment.shipped'));
    await progressOrder(tx, order.order.id, events);
    return shipped;
  }

  return {
    async list(
      query: {
        order_id?: string;
        location?: string;
        status?: ShipmentStatus;
        carrier?: string;
        service_level?: string;
        ship_by_to?: string;
        limit: number;
        cursor?: string;
      },
      caller: Caller,
    ): Promise<Page<ShipmentView>> {
      const after = decodeCursor(query.cursor, ['string', 'string']);
      const filters: SQL[] = [];
      if (query.order_id) {
        filters.push(eq(shipments.orderId, query.order_id));
      }
      if (query.location) {
        filters.push(eq(locations.code, query.location));
      }
      if (query.status) {
        filters.push(eq(shipments.status, query.status));
      }
      if (query.carrier) {
        filters.push(eq(shipments.carrier, query.carrier));
      }
      if (query.service_level) {
        filters.push(sql`${shipments.serviceLevel} = ${query.service_level}`);
      }
      if (query.ship_by_to) {
        filters.push(lte(shipments.shipBy, query.ship_by_to));
      }
      if (caller.channel !== null) {
        filters.push(eq(channels.code, caller.channel));
      }
      if (after) {
        filters.push(
          sql`(${shipments.createdAt}, ${shipments.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
        );
      }
      const rows = await db
        .select({ id: shipments.id, createdAt: shipments.createdAt })
        .from(shipments)
        .innerJoin(locations, eq(locations.id, shipments.locationId))
        .innerJoin(orders, eq(orders.id, shipments.orderId))
        .innerJoin(channels, eq(channels.id, orders.channelId))
        .where(and(...filters))
        .orderBy(desc(shipments.createdAt), desc(shipments.id))
        .limit(query.limit + 1);
      const states = new Map(
        (
          await loadShipments(
            db,
            rows.map((row) => row.id),
          )
        ).map((state) => [state.shipment.id, state]),
      );
      return toPage(
        rows.filter((row) => states.has(row.id)),
        query.limit,
        (row) => [row.createdAt.toISOString(), row.id],
        (row) => presentShipment(states.get(row.id) as ShipmentState),
      );
    },

    async get(id: string, caller: Caller): Promise<ShipmentView> {
      return presentShipment(await find(db, id, caller));
    },

    /** Counts one unit of the barcode's product, or rejects it (wrong item, one too many) changing nothing. */
    scan: (id: string, barcode: string, caller: Caller) =>
      inTransaction(db, async (tx) => {
        const state = await find(tx, id, caller, true);
        assertOwnFlow(state, 'scan');
        if (!['pending', 'picking'].includes(state.shipment.status)) {
          throw new AppError('conflict', `A shipment that is ${state.shipment.status} is not being packed`);
        }
        const product = await tx.execute<{ id: string; sku: string }>(sql`
          SELECT p.id, p.sku FROM products p
           WHERE p.sku = ${barcode}
              OR p.id = (SELECT product_id FROM product_barcodes WHERE barcode = ${barcode})
           LIMIT 1`);
        const found = product.rows[0];
        const lines = found
          ? state.lines.filter((line) => line.productId === Number(found.id) && line.quantity > 0)
          : [];
        if (!found || lines.length === 0) {
          throw invalid(
            [bodyError('/barcode', found ? `${found.sku} is not in this shipment` : 'matches no product')],
            `Wrong item: ${barcode}${found ? ` (${found.sku})` : ''} does not belong to shipment ${state.shipment.number}`,
          );
        }
        const line = lines.find((l) => l.quantityScanned < l.quantity);
        const quantity = lines.reduce((sum, l) => sum + l.quantity, 0);
        if (!line) {
          throw new AppError(
            'conflict',
            `One too many: all ${quantity} unit(s) of ${found?.sku} in shipment ${state.shipment.number} are already scanned`,
          );
        }
        await tx
          .update(shipmentLines)
          .set({ quantityScanned: sql`${shipmentLines.quantityScanned} + 1` })
          .where(eq(shipmentLines.id, line.id));
        const after = await reload(tx, id);
        const scanned = after.lines
          .filter((l) => l.productId === line.productId)
          .reduce((sum, l) => sum + l.quantityScanned, 0);
        return {
          sku: line.sku,
          scanned,
          quantity,
          complete: after.lines.every((l) => l.quantityScanned === l.quantity),
          shipment: presentShipment(after),
        };
      }),

    /**
     * Packs a shipment: every unit scanned (or a supervisor's override with a reason), then the carrier
     * service chosen by rate shopping and the packing rules applied to the final parcel.
     */
    async pack(
      id: string,
      input: { override?: { reason: string }; weight_grams?: number },
      caller: Caller,
    ): Promise<ShipmentView> {
      // Read before the transaction: a transaction never waits on the pool for another connection.
      const context = { services: await carriers.activeServices(), rules: await packing.current() };
      return inTransaction(db, async (tx) => {
        const state = await find(tx, id, caller, true);
        assertOwnFlow(state, 'pack');
        assertShipmentTransition(state.shipment.status, 'packed');
        const missing = state.lines.filter((line) => line.quantityScanned < line.quantity);
        if (missing.length > 0 && !input.override) {
          throw new AppError(
            'conflict',
            `Not every unit is scanned: ${missing.map((l) => `${l.quantity - l.quantityScanned} × ${l.sku}`).join(', ')} missing; scan them or pack with a supervisor override`,
          );
        }
        if (input.override && !caller.scopes.includes('admin')) {
          throw new AppError(
            'forbidden',
            'Packing without every unit scanned needs a supervisor (admin) key',
          );
        }
        const [order] = await tx
          .select({ destination: orders.destination })
          .from(orders)
          .where(eq(orders.id, state.shipment.orderId));
        const products = await productFactsBySku(
          tx,
          state.lines.map((line) => line.sku),
        );
        const now = clock.now();
        const plan = planShipment(
          { ...context, now },
          {
            location: state.location,
            destination: order?.destination ?? null,
            shipTo: state.order.shipTo,
            serviceLevel: state.shipment.serviceLevel,
            promisedDeliveryDate: state.shipment.promisedDeliveryDate,
            orderTags: state.order.tags,
            items: state.lines.map((line) => ({
              tags: products.get(line.sku)?.tags ?? [],
              weightGrams: products.get(line.sku)?.weightGrams ?? 0,
              quantity: line.quantity,
            })),
            processingDays: 0,
            ...(input.weight_grams === undefined ? {} : { weightGrams: input.weight_grams }),
          },
        );
        await tx
          .update(shipments)
          .set({
            status: 'packed',
            carrier: plan.carrier,
            service: plan.service,
            cost: plan.cost,
            rateOptions: plan.rateOptions,
            packing: plan.packing,
            weightGrams: plan.weightGrams,
            packOverride: input.override
              ? { reason: input.override.reason, by: caller.keyId, at: now.toISOString() }
              : null,
            updatedAt: now,
          })
          .where(eq(shipments.id, id));
        const packed = await reload(tx, id);
        await appendEvents(tx, [shipmentEvent(packed, 'shipment.packed')]);
        return presentShipment(packed);
      });
    },

    /**
     * Ships a packed shipment: the carrier adapter makes the label (outside any transaction; the
     * shipment id is its idempotency key, so a retry never buys two), then the units are consumed.
     */
    async ship(id: string, caller: Caller): Promise<ShipmentView> {
      const before = await find(db, id, caller);
      assertOwnFlow(before, 'ship');
      if (before.shipment.status !== 'packed') {
        assertShipmentTransition(before.shipment.status, 'shipped');
        throw new AppError('conflict', `Shipment ${before.shipment.number} must be packed before it ships`);
      }
      const { carrier, service } = before.shipment;
      if (!carrier || !service) {
        throw new AppError(
          'conflict',
          `No carrier service could be chosen for shipment ${before.shipment.number}: add a carrier service for ${before.shipment.serviceLevel} that reaches the destination`,
        );
      }
      const label = await (await adapterFor(carrier)).createLabel({
        shipment_id: before.shipment.id,
        shipment_number: before.shipment.number,
        order_number: before.order.number,
        carrier,
        service,
        ship_from: before.location.address,
        ship_to: before.order.shipTo,
        weight_grams: before.shipment.weightGrams,
      });
      const shipped = await inTransaction(db, async (tx) => {
        const { order, shipment } = await lockWithOrder(tx, id, caller);
        if (shipment.shipment.status !== 'packed') {
          throw new AppError(
            'conflict',
            `Shipment ${shipment.shipment.number} is ${shipment.shipment.status} now`,
          );
        }
        const events: NewEvent[] = [];
        const state = await markShipped(
          tx,
          order,
          shipment,
          { carrier, service, trackingNumber: label.tracking_number, trackingUrl: label.tracking_url },
          new Map(shipment.lines.map((line) => [line.id, line.quantity])),
          caller,
          events,
        );
        await appendEvents(tx, events);
        return state;
      });
      return presentShipment(shipped);
    },

    /**
     * A WMS reports that it shipped the shipment: the units it names (all by default) are consumed,
     * the rest go back through routing. A repeat with the same tracking number returns the shipment.
     */
    async confirm(id: string, input: ConfirmShipment, caller: Caller): Promise<ShipmentView> {
      const result = await inTransaction(db, async (tx) => {
        const { order, shipment } = await lockWithOrder(tx, id, caller);
        if (shipment.location.fulfillment !== 'external_wms') {
          throw new AppError(
            'conflict',
            `${shipment.location.code} is run through Ordo: its shipments are scanned, packed and shipped, not confirmed`,
          );
        }
        if (!inBuilding.includes(shipment.shipment.status)) {
          if (shipment.shipment.trackingNumber === input.tracking_number) {
            return { state: shipment, rerouted: false };
          }
          throw new AppError(
            'conflict',
            `Shipment ${shipment.shipment.number} is already ${shipment.shipment.status}${shipment.shipment.trackingNumber ? ` with tracking number ${shipment.shipment.trackingNumber}` : ''}`,
          );
        }
        const shippedLines = input.lines
          ? linesBySku(shipment, input.lines)
          : shipment.lines.map((line) => ({ shipmentLineId: line.id, quantity: line.quantity }));
        const quantities = new Map(shippedLines.map((item) => [item.shipmentLineId, item.quantity]));
        if ([...quantities.values()].every((quantity) => quantity === 0)) {
          throw invalid([bodyError('/lines', 'a confirmation ships at least one unit')]);
        }
        const events: NewEvent[] = [];
        const unshipped = shipment.lines
          .map((line) => ({
            shipmentLineId: line.id,
            quantity: line.quantity - (quantities.get(line.id) ?? 0),
          }))
          .filter((item) => item.quantity > 0);
        let current = order;
        let state = shipment;
        if (unshipped.length > 0) {
          current = await giveBack(tx, order, shipment, unshipped, {
            reason: 'not shipped by the WMS',
            writeOff: false,
            actor: caller.keyId,
            events,
          });
          state = await reload(tx, id);
        }
        const shipped = await markShipped(
          tx,
          current,
          state,
          {
            carrier: input.carrier,
            service: input.service,
            trackingNumber: input.tracking_number,
            trackingUrl: input.tracking_url ?? null,
            cost: input.cost ?? null,
          },
          new Map(state.lines.map((line) => [line.id, line.quantity])),
          caller,
          events,
        );
        await appendEvents(tx, events);
        return { state: shipped, rerouted: unshipped.length > 0 };
      });
      if (result.rerouted) {
        releaser.nudge();
        stockFreed?.();
      }
      return presentShipment(result.state);
    },

    /** A carrier's status update: in transit, out for delivery, delivered, exception. */
    tracking: (id: string, input: TrackingUpdate, caller: Caller): Promise<ShipmentView> =>
      inTransaction(db, async (tx) => {
        const { shipment: state } = await lockWithOrder(tx, id, caller);
        const next: ShipmentStatus =
          input.status === 'out_for_delivery' ? 'in_transit' : (input.status as ShipmentStatus);
        assertShipmentTransition(state.shipment.status, next);
        const now = clock.now();
        const event: TrackingEvent = {
          status: input.status,
          description: input.description ?? null,
          location: input.location ?? null,
          occurred_at: input.occurred_at ?? now.toISOString(),
          recorded_at: now.toISOString(),
        };
        await tx
          .update(shipments)
          .set({
            status: next,
            tracking: sql`${shipments.tracking} || ${JSON.stringify([event])}::jsonb`,
            ...(next === 'delivered' ? { deliveredAt: new Date(event.occurred_at) } : {}),
            exception: next === 'exception' ? (input.description ?? 'carrier exception') : null,
            updatedAt: now,
          })
          .where(eq(shipments.id, id));
        const after = await reload(tx, id);
        const changed = next !== state.shipment.status;
        const type =
          next === 'delivered' || next === 'exception' || (changed && next === 'in_transit')
            ? `shipment.${next}`
            : 'shipment.tracking_updated';
        const events = [shipmentEvent(after, type, { tracking: event })];
        await progressOrder(tx, state.shipment.orderId, events);
        await appendEvents(tx, events);
        return presentShipment(after);
      }),

    /** A location cannot ship some units: they go back through routing to another location. */
    async rejectLines(id: string, input: RejectLines, caller: Caller): Promise<ShipmentView> {
      const state = await inTransaction(db, async (tx) => {
        const { order, shipment } = await lockWithOrder(tx, id, caller);
        if (!inBuilding.includes(shipment.shipment.status)) {
          throw new AppError(
            'conflict',
            `A shipment that is ${shipment.shipment.status} has left the building`,
          );
        }
        const items = linesBySku(shipment, input.lines);
        const events: NewEvent[] = [];
        await giveBack(tx, order, shipment, items, {
          reason: input.reason,
          writeOff: false,
          actor: caller.keyId,
          events,
        });
        await appendEvents(tx, events);
        return reload(tx, id);
      });
      releaser.nudge();
      stockFreed?.();
      return presentShipment(state);
    },

    find,
    giveBack,
    shipmentEvent,
  };
}
