import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shipmentLines, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { activeReservations, consume } from '../allocation/index.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { type CarrierAdapter, httpCarrier, rateCardCarrier } from './carrier-adapter.js';
import type { FulfillmentDeps } from './deps.js';
import { assertShipmentTransition } from './shipment-state.js';
import {
  assertOwnFlow,
  findShipment,
  lockWithOrder,
  reloadShipment,
  type ShipmentState,
  shipmentStatusesOf,
} from './shipment-store.js';
import { presentShipment, shipmentEvent } from './shipment-view.js';
import type { ShipmentView } from './shipments.schemas.js';

export interface Label {
  carrier: string;
  service: string;
  trackingNumber: string;
  trackingUrl: string | null;
  cost?: number | null;
}

/**
 * Consumes the reserved units of the shipment's lines at its location (on_hand and reserved drop, the
 * ledger records a sale) and returns the units shipped per order line.
 */
async function consumeShipment(
  tx: Executor,
  state: ShipmentState,
  quantities: Map<number, number>,
  actor: string | null,
): Promise<Map<number, number>> {
  const active = await activeReservations(
    tx,
    state.lines.map((line) => line.orderLineId),
    state.location.id,
  );
  const items: Array<{ reservationId: number; quantity: number }> = [];
  const shipped = new Map<number, number>();
  for (const line of state.lines) {
    let left = quantities.get(line.id) ?? 0;
    shipped.set(line.orderLineId, (shipped.get(line.orderLineId) ?? 0) + left);
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
  return shipped;
}

/**
 * Records that the parcel left: reservations consumed, the shipment shipped with its label, then the
 * order told (its lines and status move on). The shipment's events, after `pending` (the caller's own,
 * not yet appended), go out before the order's.
 */
export async function markShipped(
  deps: Pick<FulfillmentDeps, 'clock' | 'orders'>,
  tx: Executor,
  state: ShipmentState,
  label: Label,
  quantities: Map<number, number>,
  caller: Caller,
  pending: NewEvent[],
): Promise<ShipmentState> {
  assertShipmentTransition(state.shipment.status, 'shipped');
  const shippedUnits = await consumeShipment(tx, state, quantities, caller.keyId);
  const now = deps.clock.now();
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
  await tx
    .update(shipmentLines)
    .set({ shippedAt: now })
    .where(eq(shipmentLines.shipmentId, state.shipment.id));
  const shipped = await reloadShipment(tx, state.shipment.id);
  await appendEvents(tx, [...pending, shipmentEvent(shipped, 'shipment.shipped')]);
  const orderId = state.shipment.orderId;
  await deps.orders.recordShipped(tx, orderId, shippedUnits, await shipmentStatusesOf(tx, orderId));
  return shipped;
}

async function adapterFor(
  deps: Pick<FulfillmentDeps, 'db' | 'carriers' | 'allowPrivateEndpoints'>,
  carrier: string,
): Promise<CarrierAdapter> {
  const config = await deps.carriers.adapterConfig(carrier);
  if (config?.adapter === 'http' && config.endpoint) {
    return httpCarrier({
      endpoint: config.endpoint,
      apiToken: config.apiToken ?? null,
      allowPrivate: deps.allowPrivateEndpoints,
    });
  }
  return rateCardCarrier(async () => {
    const result = await deps.db.execute<{ serial: string }>(
      sql`SELECT nextval('tracking_serial_seq') AS serial`,
    );
    return Number(result.rows[0]?.serial);
  });
}

/**
 * The carrier service a packed shipment ships with: the one chosen at pack time, while it is still an
 * active service. Otherwise a 409 that says how to go on: rate the shipment again.
 */
async function activeCarrierService(
  deps: Pick<FulfillmentDeps, 'carriers'>,
  state: ShipmentState,
): Promise<{ carrier: string; service: string }> {
  const { carrier, service, number, serviceLevel, id } = state.shipment;
  const rate = `choose one with POST /v1/shipments/${id}/rate, then ship`;
  if (!carrier || !service) {
    throw new AppError(
      'conflict',
      `Shipment ${number} has no carrier service: make sure one serves ${serviceLevel} (POST /v1/carriers), ${rate}`,
    );
  }
  const active = await deps.carriers.activeServices();
  if (!active.some((s) => s.carrier === carrier && s.service === service)) {
    throw new AppError(
      'conflict',
      `${carrier} ${service}, chosen when shipment ${number} was packed, is no longer an active carrier service: ${rate}`,
    );
  }
  return { carrier, service };
}

/**
 * Ships a packed shipment: the carrier adapter makes the label (outside any transaction; the
 * shipment id is its idempotency key, so a retry never buys two), then the units are consumed.
 */
export async function ship(deps: FulfillmentDeps, id: string, caller: Caller): Promise<ShipmentView> {
  const before = await findShipment(deps.db, id, caller);
  assertOwnFlow(before, 'ship');
  if (before.shipment.status !== 'packed') {
    assertShipmentTransition(before.shipment.status, 'shipped');
    throw new AppError('conflict', `Shipment ${before.shipment.number} must be packed before it ships`);
  }
  const { carrier, service } = await activeCarrierService(deps, before);
  const label = await (await adapterFor(deps, carrier)).createLabel({
    shipment_id: before.shipment.id,
    shipment_number: before.shipment.number,
    order_number: before.order.number,
    carrier,
    service,
    ship_from: before.location.address,
    ship_to: before.order.shipTo,
    weight_grams: before.shipment.weightGrams,
  });
  const shipped = await inTransaction(deps.db, async (tx) => {
    const { shipment } = await lockWithOrder(deps, tx, id, caller);
    if (shipment.shipment.status !== 'packed') {
      throw new AppError(
        'conflict',
        `Shipment ${shipment.shipment.number} is ${shipment.shipment.status} now`,
      );
    }
    return markShipped(
      deps,
      tx,
      shipment,
      { carrier, service, trackingNumber: label.tracking_number, trackingUrl: label.tracking_url },
      new Map(shipment.lines.map((line) => [line.id, line.quantity])),
      caller,
      [],
    );
  });
  return presentShipment(shipped);
}
