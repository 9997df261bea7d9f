/** The catalog module: products, locations and channels, and lookups of their ids by public key. */
export { channelRoutes } from './channels.routes.js';
export { createChannelService } from './channels.service.js';
export {
  inactivePartOf,
  type KitMakeup,
  kitPartsSelect,
  kitsAmong,
  kitsContaining,
  type ProductWithKit,
  type ProductWithKitRow,
  productsWithKits,
  productsWithKitsBySku,
  productsWithKitsSelect,
} from './kits.js';
export { isTimeZone } from './location-fields.js';
export { locationRoutes } from './locations.routes.js';
export { createLocationService } from './locations.service.js';
export {
  channelByCode,
  channelIdsByCode,
  locationIdsByCode,
  productFactsBySku,
  productIdsBySku,
} from './lookup.js';
export { productRoutes } from './products.routes.js';
export { createProductService } from './products.service.js';
