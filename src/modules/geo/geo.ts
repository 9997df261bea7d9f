import { createRequire } from 'node:module';
import { type Address, postalCoordinates } from '../addresses/index.js';

export interface Place {
  latitude: number;
  longitude: number;
  source: 'given' | 'postal_code' | 'country_centroid';
}

let centroids: Map<string, [number, number]> | undefined;

/** Country centres from the world-countries dataset, loaded on first use. */
function countryCentroid(country: string): [number, number] | undefined {
  if (!centroids) {
    const require = createRequire(import.meta.url);
    const countries = require('world-countries') as Array<{ cca2: string; latlng: [number, number] }>;
    centroids = new Map(countries.map((c) => [c.cca2, c.latlng]));
  }
  return centroids.get(country);
}

/**
 * Where an address is: its own latitude/longitude when given, else the centre of its US or CA postal
 * code, else the centre of its country. Undefined only for an unknown country.
 */
export function placeAddress(address: Address): Place | undefined {
  if (address.latitude !== undefined && address.longitude !== undefined) {
    return { latitude: address.latitude, longitude: address.longitude, source: 'given' };
  }
  const postal = postalCoordinates(address.country, address.postal_code);
  if (postal) {
    return { ...postal, source: 'postal_code' };
  }
  const centre = countryCentroid(address.country);
  return centre && { latitude: centre[0], longitude: centre[1], source: 'country_centroid' };
}

const earthRadiusKm = 6371.0088;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in km (haversine). */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(h)));
}
