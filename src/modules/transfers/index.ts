/** The transfers module: stock moving between locations, through the inventory module's ledger. */
export { type TransferEventType, transferEvents } from './transfer-events.js';
export { transferRoutes } from './transfers.routes.js';
export { createTransferService, type TransferService } from './transfers.service.js';
