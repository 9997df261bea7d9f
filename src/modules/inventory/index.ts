/** The inventory module: stock on hand per location, its ledger, feeds and what each channel may sell. */
export { locationAvailability } from './availability.js';
export { inventoryRoutes } from './inventory.routes.js';
export { createInventoryService, type InventoryService } from './inventory.service.js';
export { inventoryEvents } from './inventory-events.js';
export { recordSales, type Sale } from './levels.js';
export {
  availabilityEvents,
  type LevelDelta,
  lockSellable,
  type Sellable,
  type SellableRow,
  sellableSelect,
  sellableUnits,
  toSellableRows,
} from './sellable.js';
export { restock, writeOff } from './shelf.js';
