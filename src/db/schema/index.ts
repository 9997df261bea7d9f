export * from './allocation.js';
export * from './auth.js';
export * from './catalog.js';
export * from './events.js';
export * from './fulfillment.js';
export * from './inventory.js';
export * from './orders.js';
export * from './routing.js';
