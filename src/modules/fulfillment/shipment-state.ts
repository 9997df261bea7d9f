import type { shipmentStatuses } from '../../db/schema/fulfillment.js';
import { AppError } from '../../errors.js';

export type ShipmentStatus = (typeof shipmentStatuses)[number];

/** The shipment lifecycle as data: each status and the statuses it may move to. */
const transitions: Record<ShipmentStatus, readonly ShipmentStatus[]> = {
  // A WMS location confirms straight from pending (or picking) to shipped.
  pending: ['picking', 'packed', 'shipped', 'cancelled'],
  picking: ['packed', 'shipped', 'cancelled'],
  packed: ['shipped', 'cancelled'],
  shipped: ['in_transit', 'delivered', 'exception'],
  in_transit: ['in_transit', 'delivered', 'exception'],
  exception: ['in_transit', 'delivered', 'exception'],
  delivered: [],
  cancelled: [],
};

export function assertShipmentTransition(from: ShipmentStatus, to: ShipmentStatus): void {
  if (!transitions[from].includes(to)) {
    throw new AppError('conflict', `A shipment that is ${from} cannot become ${to}`);
  }
}

/** Statuses in which units are scanned at the pack station. */
export const scannable: readonly ShipmentStatus[] = ['pending', 'picking'];

/** Statuses in which the shipment is still in the building: its units can be given back or cancelled. */
export const inBuilding: readonly ShipmentStatus[] = ['pending', 'picking', 'packed'];
