/** The addresses module: the one address shape and its per-country checks. */
export { addressErrors, type Coordinates, postalCoordinates } from './address.js';
export { type Address, AddressSchema } from './address.schemas.js';
