import type { Executor } from '../../db/client.js';
import type { Address } from '../addresses/index.js';
import type { ServiceRate } from '../carriers/index.js';
import { distanceKm, type Place, placeAddress } from '../geo/index.js';
import { deliveryAfterArrival, type IncomingPart } from '../promising/index.js';
import type { RoutingDeps } from './deps.js';
import type { LocationMeta } from './location-directory.js';

export interface ArrivalContext {
  now: Date;
  byId: ReadonlyMap<number, LocationMeta>;
  /** The active services offering the order's level. */
  services: ServiceRate[];
  serviceLevel: string;
  distanceTo: (meta: LocationMeta | undefined) => number | null;
}

/** The later of two YYYY-MM-DD dates (they sort as strings). */
const laterDate = (a: string, b: string) => (a.localeCompare(b) > 0 ? a : b);

/** Great-circle km from a location to the destination; null when either is not placed. */
export const distanceFrom =
  (place: Place | undefined) =>
  (meta: LocationMeta | undefined): number | null =>
    place && meta && meta.latitude !== null && meta.longitude !== null
      ? distanceKm(place, { latitude: meta.latitude, longitude: meta.longitude })
      : null;

/**
 * When an order waiting for incoming units can arrive: one parcel per location, leaving once the
 * last of its units are there, and the order arrives with its slowest parcel. Null when there is no
 * part, or a parcel cannot be quoted (no place, no service of the level).
 */
export function incomingDelivery(parts: readonly IncomingPart[], context: ArrivalContext): string | null {
  const parcels = new Map<number, { grams: number; arrives: string }>();
  for (const part of parts) {
    const parcel = parcels.get(part.locationId) ?? { grams: 0, arrives: part.arrives };
    parcels.set(part.locationId, {
      grams: parcel.grams + part.grams,
      arrives: laterDate(part.arrives, parcel.arrives),
    });
  }
  let latest = '';
  for (const [locationId, parcel] of parcels) {
    const meta = context.byId.get(locationId);
    const distance = context.distanceTo(meta);
    const date =
      meta && distance !== null
        ? deliveryAfterArrival({
            now: context.now,
            arrives: parcel.arrives,
            location: meta,
            services: context.services,
            serviceLevel: context.serviceLevel,
            distanceKm: distance,
            weightGrams: parcel.grams,
          })
        : undefined;
    if (date === undefined) {
      return null;
    }
    latest = laterDate(date, latest);
  }
  return latest === '' ? null : latest;
}

/**
 * For saved orders (a re-promise): the locations and services read once (cached), then the date of
 * each order's incoming parts as its routing session would work it out at capture.
 */
export async function incomingDeliveryFor(
  deps: Pick<RoutingDeps, 'db' | 'cache' | 'carriers' | 'clock'>,
  tx?: Executor,
) {
  const [byId, services] = tx
    ? [await deps.cache.locationsById(tx), await deps.carriers.activeServices(tx)]
    : await Promise.all([deps.cache.locationsById(), deps.carriers.activeServices()]);
  const now = deps.clock.now();
  return (order: { shipTo: Address; serviceLevel: string }, parts: readonly IncomingPart[]) =>
    incomingDelivery(parts, {
      now,
      byId,
      services: services.filter((service) => service.serviceLevels.includes(order.serviceLevel)),
      serviceLevel: order.serviceLevel,
      distanceTo: distanceFrom(placeAddress(order.shipTo)),
    });
}
