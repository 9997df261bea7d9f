import type { FieldError } from '../../errors.js';
import { type Address, addressErrors, type Coordinates, postalCoordinates } from '../addresses/index.js';
import type { CreateLocation } from './locations.schemas.js';

/** Pure checks and derivations of a location's fields: no database. */

/** A time zone the platform's IANA database knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export type LocationFields = Omit<CreateLocation, 'code' | 'name' | 'kind' | 'address'> & {
  address?: Address;
};

/** Field errors that JSON Schema cannot express: country rules, time zones, coordinate pairs. */
export function fieldErrors(input: LocationFields): FieldError[] {
  const errors = input.address ? addressErrors(input.address, '/address') : [];
  if (input.time_zone !== undefined && !isTimeZone(input.time_zone)) {
    errors.push({
      in: 'body',
      pointer: '/time_zone',
      detail: `"${input.time_zone}" is not an IANA time zone`,
    });
  }
  if ((input.latitude === undefined) !== (input.longitude === undefined)) {
    errors.push({
      in: 'body',
      pointer: '/latitude',
      detail: 'latitude and longitude must be given together',
    });
  }
  return errors;
}

interface Placement {
  latitude: number | null;
  longitude: number | null;
  coordinatesSource: 'given' | 'postal_code' | null;
}

/** Given coordinates win; otherwise a US or CA postal code places the location. */
export function place(given: Partial<Coordinates>, address: Address): Placement {
  const latitude = given.latitude ?? address.latitude;
  const longitude = given.longitude ?? address.longitude;
  if (latitude !== undefined && longitude !== undefined) {
    return { latitude, longitude, coordinatesSource: 'given' };
  }
  const derived = postalCoordinates(address.country, address.postal_code);
  return derived
    ? { ...derived, coordinatesSource: 'postal_code' }
    : { latitude: null, longitude: null, coordinatesSource: null };
}
