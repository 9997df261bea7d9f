import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';

/** What changed about incoming stock, for the waiting orders' promises. */
export type IncomingChange =
  | 'inbound_announced'
  | 'inbound_rescheduled'
  | 'inbound_received'
  | 'inbound_cancelled';

/** The waiting orders a receipt serves first, as the orders module locked them. */
export interface ArrivalQueue {
  orderIds: readonly string[];
  /** Their promised delivery dates before the receipt. */
  promised: ReadonlyMap<string, string | null>;
}

/**
 * Backordered orders waiting for stock, as the orders module offers them to inbound shipments: declared
 * here, implemented by the orders module's backorder allocator and handed over by the composition root,
 * so the import still points from orders' side. Every call runs in the caller's transaction.
 */
export interface WaitingOrders {
  /**
   * Before the receipt takes any stock lock: locks the waiting orders that may take units arriving at a
   * location (first in, first out), then the stock levels of their products and the arriving ones.
   */
  lockForArrival(
    tx: Executor,
    arrival: { locationId: number; units: Array<{ productId: number; quantity: number }> },
  ): Promise<ArrivalQueue>;
  /** Allocates the locked orders, in their order, from what is now on hand; returns how many gained stock. */
  fillArrival(tx: Executor, queue: ArrivalQueue): Promise<number>;
  /** Works out again the promises of orders waiting for these products: what they are promised from changed. */
  repromise(
    tx: Executor,
    productIds: number[],
    change: IncomingChange,
    queue?: ArrivalQueue,
  ): Promise<number>;
}

/** What the inbound shipment use cases work with; each takes the `Pick<>` it uses. */
export interface InboundDeps {
  db: Db;
  clock: Clock;
  backorders: WaitingOrders;
  /** Nudges whoever waits for stock (the backorder worker) after a receipt put units on hand. */
  stockAdded?: () => void;
  /** Nudges the releaser after a receipt allocated waiting orders. */
  allocated?: () => void;
}
