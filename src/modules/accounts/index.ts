/**
 * The accounts module: B2B accounts with their buyers, terms and credit, and the only writer of
 * invoices, payments and `account.*` / `invoice.*` events.
 */
export { type AccountEventType, accountEvents } from './account-events.js';
export { accountRoutes } from './accounts.routes.js';
export {
  type AccountService,
  accountLedger,
  createAccountService,
  recheckCredit,
} from './accounts.service.js';
