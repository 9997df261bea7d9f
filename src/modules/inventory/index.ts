/** The inventory module: stock on hand per location, its ledger, feeds and what each channel may sell. */
export { channelStockSelect, locationAvailability, stockedProducts } from './availability.js';
export { lastFeedTimes, staleFeed } from './feed-freshness.js';
export { receiveStockIn } from './feeds.js';
export { inventoryRoutes } from './inventory.routes.js';
export { createInventoryService, type InventoryService } from './inventory.service.js';
export { inventoryEvents } from './inventory-events.js';
export { recordSales, type Sale } from './levels.js';
export {
  availabilityEvents,
  type LevelDelta,
  lockLevels,
  lockSellable,
  type Sellable,
  type SellableRow,
  sellableSelect,
  sellableUnits,
  toSellableRows,
} from './sellable.js';
export { restock, restockDamaged, type ShelfChange, transferIn, writeOff } from './shelf.js';
export { type StockCheck, stockCheck } from './stock-check.js';
export { freeStock, type TransferOutResult, transferOut } from './transfer-stock.js';
