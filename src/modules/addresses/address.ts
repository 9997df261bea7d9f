import countries from 'i18n-iso-countries';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import zipcodes from 'zipcodes';
import type { FieldError } from '../../errors.js';
import type { Address } from './address.schemas.js';

/** Countries whose addresses name a region (state, province) for delivery. */
const regionRequired = new Set(['US', 'CA', 'AU', 'BR', 'MX', 'IN', 'CN', 'JP']);
/** City-states and territories where the city line is not used. */
const noCity = new Set(['SG', 'HK', 'MO', 'MC', 'VA', 'GI']);

/** Everything wrong with an address for delivery in its country, as field errors under `pointer`. */
export function addressErrors(address: Address, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, detail: string) =>
    errors.push({ in: 'body', pointer: `${pointer}/${field}`, detail });
  const { country } = address;
  if (!countries.isValid(country)) {
    fail('country', `"${country}" is not an ISO 3166-1 alpha-2 country code`);
    return errors;
  }
  if (postcodeValidatorExistsForCountry(country)) {
    if (address.postal_code === undefined) {
      fail('postal_code', `a postal code is required for ${country}`);
    } else if (!postcodeValidator(address.postal_code, country)) {
      fail('postal_code', `"${address.postal_code}" is not a valid postal code for ${country}`);
    }
  }
  if (address.city === undefined && !noCity.has(country)) {
    fail('city', `a city is required for ${country}`);
  }
  if (address.region === undefined && regionRequired.has(country)) {
    fail('region', `a region (state or province) is required for ${country}`);
  }
  if ((address.latitude === undefined) !== (address.longitude === undefined)) {
    fail('latitude', 'latitude and longitude must be given together');
  }
  return errors;
}

export interface Coordinates {
  latitude: number;
  longitude: number;
}

/** The centre of a US ZIP code or a Canadian forward sortation area, when the dataset knows it. */
export function postalCoordinates(country: string, postalCode: string | undefined): Coordinates | undefined {
  if (postalCode === undefined) {
    return undefined;
  }
  const key =
    country === 'US'
      ? postalCode.trim().slice(0, 5)
      : country === 'CA'
        ? postalCode.replace(/\s+/g, '').slice(0, 3).toUpperCase()
        : undefined;
  const found = key === undefined ? undefined : zipcodes.lookup(key);
  return found ? { latitude: found.latitude, longitude: found.longitude } : undefined;
}
