import type { SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import type { Caller } from '../../http/caller.js';
import type { FraudRuleSet } from '../fraud/index.js';
import type { RoutingService } from '../routing/index.js';

/**
 * What cancelling needs to know and do about shipments: fulfillment implements it, the composition
 * root hands it over. Declared here so the import still points from fulfillment to orders.
 */
export interface PendingShipments {
  /** Units of these lines in shipments already being picked or packed: too late to cancel. */
  unitsInProgress(tx: Executor, lineIds: number[]): Promise<Map<number, number>>;
  /** Takes cancelled units out of pending shipments and releases their reservations; returns the units released. */
  releaseCancelledUnits(tx: Executor, lineId: number, quantity: number, reason: string): Promise<number>;
}

/** A B2B account as capture reads it (in its one read round trip). */
export interface CaptureAccount {
  id: string;
  code: string;
  active: boolean;
  terms: string;
  currency: string;
  priority: number;
  /** Lower-cased e-mails of the buyers; none listed: any customer may order for the account. */
  buyers: string[];
}

/** Why capture holds an order for credit, or tells of a limit passed without holding. */
export interface CreditVerdict {
  hold?: { reason: string; details: Record<string, unknown> };
  /** Events to append with the order (a limit passed in `warn` mode). */
  events: Array<{ type: string; resourceType: string; resourceId: string; data: Record<string, unknown> }>;
}

/** Units of an account's order shipped on terms: what the order is billed for them so far. */
export interface ShippedOnTerms {
  accountId: string;
  orderId: string;
  orderNumber: number;
  terms: string;
  currency: string;
  /** What the order has cost for all its shipped units so far (telescopes to its total). */
  billedSoFar: number;
  now: Date;
}

/**
 * What orders asks of B2B accounts: the accounts module implements it, the composition root hands it
 * over. Declared here so the import still points from accounts to orders.
 */
export interface AccountLedger {
  /** SQL reading the account named by id or code as JSON (a `CaptureAccount`), for capture's read. */
  contextSelect(ref: string): SQL;
  /**
   * Locks the account's row (before any stock level: one lock order) and judges an order of `value`
   * against its credit limit and overdue invoices, in the capture's transaction.
   */
  checkCredit(tx: Executor, accountId: string, order: { value: number; now: Date }): Promise<CreditVerdict>;
  /** Raises the invoice for what shipped since the last one, with `invoice.due`, in the caller's transaction. */
  invoiceShipped(tx: Executor, shipped: ShippedOnTerms): Promise<void>;
  /**
   * An order on the account's terms was cancelled after its commit: credit holds that now fit are
   * released, in a transaction of their own.
   */
  creditFreed?(accountId: string, caller: Caller): Promise<void>;
}

/** Everything the orders module is built from; each use case takes the part it uses. */
export interface OrderDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  fraud: { current(): Promise<FraudRuleSet> };
  routing: Pick<RoutingService, 'session' | 'usage' | 'incomingDelivery'> & { usageSelect(): SQL };
  shipments: PendingShipments;
  /** B2B accounts: orders on terms, credit checks, invoices when units ship. */
  accounts?: AccountLedger;
  /** Called after a change released stock (a cancellation), so waiting backorders can take it. */
  stockFreed?: () => void;
  /** Called after a change may have made an order allocated, so its shipments are released when due. */
  allocated?: () => void;
  /** Called when capture tries an order again, with why. */
  retried?: (reason: 'stock_moved' | 'capacity_taken' | 'deadlock') => void;
}
