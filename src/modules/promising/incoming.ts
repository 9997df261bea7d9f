/**
 * Promising from incoming stock: which units of open inbound shipments cover what waiting orders are
 * missing, and when a parcel of them can arrive. Pure: no database, no clock.
 */
import type { ServiceRate } from '../carriers/index.js';
import { zonedInstant } from './calendar.js';
import { earliestDelivery } from './options.js';

/** Units one line of an open inbound shipment still expects (or, for a new order, still has free). */
export interface IncomingUnits {
  inboundLineId: number;
  inboundShipment: string;
  /** The shipment's number: of two arriving the same day, the older is taken first. */
  number: number;
  reference: string;
  productId: number;
  /** The product's weight per unit, for the parcel's rate. */
  gramsPerUnit: number;
  locationId: number;
  location: string;
  expectedDate: string;
  quantity: number;
  /** Channels whose orders may be promised them (the location is active and serves them); null: all. */
  channels: number[] | null;
  /** The expected date passed without the units arriving: no promise is made from them. */
  overdue: boolean;
}

/** What one waiting line (or a new order's line) needs of a product. */
export interface WaitingDemand {
  key: number;
  channelId: number;
  productId: number;
  quantity: number;
}

/** Units of one inbound line promised to a waiting line. */
export interface IncomingCover {
  units: IncomingUnits;
  quantity: number;
}

const soonestFirst = (a: IncomingUnits, b: IncomingUnits) =>
  a.expectedDate.localeCompare(b.expectedDate) || a.number - b.number || a.inboundLineId - b.inboundLineId;

const eligible = (units: IncomingUnits, channelId: number) =>
  !units.overdue && (units.channels === null || units.channels.includes(channelId));

/**
 * First in, first out: each demand, in the order given (priority, then age), takes the incoming
 * units of its product that its channel may have, soonest expected first, until it is covered or
 * nothing is left. Returns what each demand's key was promised (nothing for a key left uncovered).
 */
export function assignIncoming(
  demand: readonly WaitingDemand[],
  incoming: readonly IncomingUnits[],
): Map<number, IncomingCover[]> {
  const sorted = [...incoming].sort(soonestFirst);
  const left = new Map(sorted.map((units) => [units.inboundLineId, units.quantity]));
  const covers = new Map<number, IncomingCover[]>();
  for (const wanted of demand) {
    let missing = wanted.quantity;
    for (const units of sorted) {
      if (missing === 0) {
        break;
      }
      if (units.productId !== wanted.productId || !eligible(units, wanted.channelId)) {
        continue;
      }
      const taken = Math.min(missing, left.get(units.inboundLineId) ?? 0);
      if (taken > 0) {
        left.set(units.inboundLineId, (left.get(units.inboundLineId) ?? 0) - taken);
        missing -= taken;
        covers.set(wanted.key, [...(covers.get(wanted.key) ?? []), { units, quantity: taken }]);
      }
    }
  }
  return covers;
}

/** Units a list of covers adds up to. */
export const coveredUnits = (covers: readonly IncomingCover[] = []) =>
  covers.reduce((sum, cover) => sum + cover.quantity, 0);

/** A parcel made of incoming units: it leaves its location once its last units arrived. */
export interface IncomingPart {
  locationId: number;
  grams: number;
  /** YYYY-MM-DD the units are expected at the location. */
  arrives: string;
}

/** The covers as parcels, weighed. */
export const partsOf = (covers: readonly IncomingCover[]): IncomingPart[] =>
  covers.map((cover) => ({
    locationId: cover.units.locationId,
    grams: cover.quantity * cover.units.gramsPerUnit,
    arrives: cover.units.expectedDate,
  }));

/**
 * The earliest delivery of a parcel that can leave a location only once units arrive there: counted
 * as an order placed when the expected day starts in the location's time zone (or now, if later), so
 * the location's cut-off, processing days and weekends apply, then the fastest service's transit.
 * Undefined when no service of the level quotes the parcel.
 */
export function deliveryAfterArrival({
  now,
  arrives,
  location,
  services,
  serviceLevel,
  distanceKm,
  weightGrams,
}: {
  now: Date;
  arrives: string;
  location: { code: string; timeZone: string; cutoffTime: string; processingDays: number };
  services: readonly ServiceRate[];
  serviceLevel: string;
  distanceKm: number;
  weightGrams: number;
}): string | undefined {
  const from = Math.max(now.getTime(), zonedInstant(arrives, '00:00', location.timeZone));
  return earliestDelivery({
    now: new Date(from),
    from: { ...location, distanceKm },
    services,
    serviceLevel,
    weightGrams,
  });
}
