/** The geo module: where an address is and how far apart two places are. */
export { distanceKm, type Place, placeAddress } from './geo.js';
