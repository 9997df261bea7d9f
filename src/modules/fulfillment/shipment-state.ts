import type { shipmentStatuses } from '../../db/schema/fulfillment.js';
import { AppError } from '../../errors.js';

export type ShipmentStatus = (typeof shipmentStatuses)[number];

/** One way out of a status: where it leads, the API operations (operationIds) that take it, and when. */
export interface ShipmentMove {
  to: ShipmentStatus;
  via: readonly string[];
  how: string;
}

/**
 * A status as the lifecycle page (docs/lifecycle.md) shows it: what it means, the ways on and the ways
 * back or out. `otherwise` says what happens where a status has no way back (or none at all).
 */
export interface ShipmentStatusGuide {
  means: string;
  forward: readonly ShipmentMove[];
  back: readonly ShipmentMove[];
  otherwise?: string;
}

const byCarrier = 'recordShipmentTracking';
const leftTheBuilding =
  'The parcel has left: its units come back through a return on the order (`createReturn`).';
const packing = {
  to: 'packed',
  via: ['scanShipmentItem', 'packShipment'],
  how: 'Every unit scanned (or an admin override with a reason), then packed: rate shopping chooses the carrier service. While no active carrier service can ship the parcel, packing is a 409 naming the service level and nothing changes: add a carrier service for it (`createCarrier`, `updateCarrier`) and pack again.',
} as const;
const wmsConfirms = {
  to: 'shipped',
  via: ['confirmShipment'],
  how: 'Only at a location run by an external WMS: it confirms what it shipped; units it did not ship are routed again.',
} as const;

/**
 * The shipment lifecycle as data: for each status, the statuses it may move to and the operations
 * that move it there. `assertShipmentTransition` reads it, and docs/lifecycle.md is checked against it
 * by a test, so the rules, the API and the page cannot drift apart.
 */
export const shipmentLifecycle: Readonly<Record<ShipmentStatus, ShipmentStatusGuide>> = {
  pending: {
    means: 'Released to its location; waiting to be picked.',
    forward: [
      {
        to: 'picking',
        via: ['createPickList'],
        how: 'A pick list takes it (pending shipments by ship-by date, then priority).',
      },
      packing,
      wmsConfirms,
    ],
    back: [
      {
        to: 'cancelled',
        via: ['rejectShipmentLines', 'cancelOrder'],
        how: 'The location gives units back (they are routed again without it), or the order cancels them; a shipment left with nothing is cancelled.',
      },
    ],
  },
  picking: {
    means: 'On a pick list.',
    forward: [packing, wmsConfirms],
    back: [
      {
        to: 'cancelled',
        via: ['rejectShipmentLines', 'confirmPickList'],
        how: 'Units the location cannot ship, or a picker did not find (a short pick, which also corrects the shelf), go back to routing: another location, a backorder or a stock hold. A shipment left with nothing is cancelled. The order cannot cancel units being picked or packed: give them back first, then cancel them on the order.',
      },
    ],
  },
  packed: {
    means: 'Packed; its carrier service is chosen.',
    forward: [
      {
        to: 'shipped',
        via: ['shipShipment', 'rateShipment'],
        how: 'The carrier adapter makes the label and the stock is consumed. Shipping needs an active carrier service: when none was chosen, or the chosen one was removed since packing, `rateShipment` chooses one again (a 409 naming the service level while none can ship the parcel), then ship.',
      },
    ],
    back: [
      {
        to: 'cancelled',
        via: ['rejectShipmentLines'],
        how: 'Units that cannot leave from here go back to routing (another location, a backorder or a stock hold); the shipment is cancelled once nothing is left in it.',
      },
    ],
  },
  shipped: {
    means: 'Left with its tracking number; its stock is consumed.',
    forward: [
      { to: 'in_transit', via: [byCarrier], how: 'The carrier reports it on its way.' },
      { to: 'delivered', via: [byCarrier], how: 'The carrier reports it delivered.' },
      { to: 'exception', via: [byCarrier], how: 'The carrier reports a problem.' },
    ],
    back: [],
    otherwise: leftTheBuilding,
  },
  in_transit: {
    means: 'On its way, as the carrier reports.',
    forward: [
      { to: 'in_transit', via: [byCarrier], how: 'Another update (out for delivery, a scan on the way).' },
      { to: 'delivered', via: [byCarrier], how: 'The carrier reports it delivered.' },
      { to: 'exception', via: [byCarrier], how: 'The carrier reports a problem.' },
    ],
    back: [],
    otherwise: leftTheBuilding,
  },
  exception: {
    means: 'The carrier reported a problem (the reason is in `exception`).',
    forward: [
      {
        to: 'in_transit',
        via: [byCarrier],
        how: 'The carrier reports it moving again; an operator records what the carrier said the same way.',
      },
      {
        to: 'delivered',
        via: [byCarrier],
        how: 'The carrier (or an operator, from the carrier) reports it delivered.',
      },
      { to: 'exception', via: [byCarrier], how: 'A further problem report.' },
    ],
    back: [],
    otherwise:
      'A parcel returned to the sender comes back through a return on the order (`createReturn`, then `receiveReturn` where it arrives), which restocks it and refunds or exchanges it. A parcel the carrier declares lost keeps `exception` as its last record; the customer is reshipped with a new order (`createOrder`).',
  },
  delivered: {
    means: 'Delivered.',
    forward: [],
    back: [],
    otherwise: `Final. ${leftTheBuilding}`,
  },
  cancelled: {
    means: 'Nothing is left in it.',
    forward: [],
    back: [],
    otherwise:
      'Final. Its units were cancelled on the order, or routed again: into another shipment, onto a backorder or a stock hold.',
  },
};

/** The statuses a shipment that is `from` may move to: every way on and every way back. */
export const shipmentTransitions = (from: ShipmentStatus): ShipmentStatus[] =>
  [...shipmentLifecycle[from].forward, ...shipmentLifecycle[from].back].map((move) => move.to);

export function assertShipmentTransition(from: ShipmentStatus, to: ShipmentStatus): void {
  if (!shipmentTransitions(from).includes(to)) {
    throw new AppError('conflict', `A shipment that is ${from} cannot become ${to}`);
  }
}

/** Statuses in which units are scanned at the pack station. */
export const scannable: readonly ShipmentStatus[] = ['pending', 'picking'];

/** Statuses in which the shipment is still in the building: its units can be given back or cancelled. */
export const inBuilding: readonly ShipmentStatus[] = ['pending', 'picking', 'packed'];
