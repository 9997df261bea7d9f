import type { NewEvent } from '../events/index.js';
import type { ShipmentState } from './shipment-store.js';
import type { ShipmentView } from './shipments.schemas.js';

/** How shipments look in responses and event payloads. */

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function presentShipment({ shipment, lines, location, order }: ShipmentState): ShipmentView {
  return {
    id: shipment.id,
    number: shipment.number,
    order_id: shipment.orderId,
    order_number: order.number,
    channel: order.channel,
    location: location.code,
    status: shipment.status,
    service_level: shipment.serviceLevel,
    ship_by: shipment.shipBy,
    promised_delivery_date: shipment.promisedDeliveryDate,
    priority: shipment.priority,
    carrier: shipment.carrier,
    service: shipment.service,
    tracking_number: shipment.trackingNumber,
    tracking_url: shipment.trackingUrl,
    cost: shipment.cost,
    weight_grams: shipment.weightGrams,
    lines: [...lines]
      .sort((a, b) => a.id - b.id)
      .map((line) => ({
        id: line.id,
        order_line_id: line.orderLineId,
        sku: line.sku,
        quantity: line.quantity,
        picked: line.quantityPicked,
        scanned: line.quantityScanned,
      })),
    packing: shipment.packing,
    rate_options: shipment.rateOptions,
    pack_override: shipment.packOverride,
    pick_list_id: shipment.pickListId,
    tote: shipment.tote,
    tracking: shipment.tracking,
    exception: shipment.exception,
    shipped_at: iso(shipment.shippedAt),
    delivered_at: iso(shipment.deliveredAt),
    created_at: shipment.createdAt.toISOString(),
    updated_at: shipment.updatedAt.toISOString(),
  };
}

/** A shipment event: the shipment as `GET /v1/shipments/{id}` returns it, plus `data`. */
export const shipmentEvent = (
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
