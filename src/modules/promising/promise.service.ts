import type { ServiceRate } from '../carriers/index.js';
import { earliestDelivery } from './options.js';
import { type PromiseDeps, promise } from './promise.js';
import type { PromiseRequest } from './promise.schemas.js';
import { createShipFromCache } from './ship-from-cache.js';

/**
 * The delivery date to promise for one parcel: the earliest any active service of the level offers
 * from this location (its cut-off, time zone and processing days; a service's own pickup cut-off there
 * when it has one). Undefined when no service's rate card covers the distance and weight.
 */
export function promisedDelivery({
  now,
  location,
  services,
  serviceLevel,
  distanceKm,
  weightGrams,
}: {
  now: Date;
  location: { code: string; timeZone: string; cutoffTime: string; processingDays: number };
  services: readonly ServiceRate[];
  serviceLevel: string;
  distanceKm: number;
  weightGrams: number;
}): string | undefined {
  return earliestDelivery({ now, from: { ...location, distanceKm }, services, serviceLevel, weightGrams });
}

export type PromiseService = ReturnType<typeof createPromiseService>;

export function createPromiseService(deps: Omit<PromiseDeps, 'shipFroms'>) {
  const withCache: PromiseDeps = { ...deps, shipFroms: createShipFromCache({ db: deps.db }) };
  return {
    /**
     * Delivery options for the lines from the channel's sellable stock: reads only, locks nothing.
     * Unknown or inactive SKUs and channels are a 422 naming each; nothing to ship is an empty list.
     */
    promise: (input: PromiseRequest, channel: string) => promise(withCache, input, channel),
  };
}
