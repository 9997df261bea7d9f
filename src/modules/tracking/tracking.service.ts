import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { OrderTransitions } from '../orders/index.js';
import type { StatusLink, StatusLinks } from './status-links.js';
import type { Lookup, TrackedOrder } from './tracking.schemas.js';
import { type LookupKey, matchingOrder, trackedOrderRow } from './tracking-store.js';
import { presentTrackedOrder } from './tracking-view.js';

export interface TrackingDeps {
  db: Db;
  clock: Clock;
  statusLinks: Pick<StatusLinks, 'current' | 'renew' | 'revoke' | 'resolve' | 'usable'>;
  /** The order a caller may see (another channel's is a 404), as every order route finds it. */
  orders: Pick<OrderTransitions, 'find'>;
}

export type TrackingService = ReturnType<typeof createTrackingService>;

export type MerchantStatusLink = StatusLink & { revoked: boolean };

/** A number a customer typed: digits, maybe after a `#`; anything else names no order (-1). */
const orderNumberOf = (given: number | string): number => {
  const digits = typeof given === 'number' ? String(given) : given.trim().replace(/^#/, '');
  return /^[0-9]{1,15}$/.test(digits) ? Number(digits) : -1;
};

/** Exactly one of email and postal code, normalised as the stored values are. */
function lookupKey(input: Lookup): LookupKey {
  const email = input.email?.trim().toLowerCase();
  const postal = input.postal_code?.replace(/[\s-]/g, '').toUpperCase();
  if ((email === undefined) === (postal === undefined)) {
    const detail = 'give exactly one of email and postal_code';
    throw new AppError(
      'validation_failed',
      'Give the order number and exactly one of email and postal_code',
      {
        errors: [bodyError('/email', detail), bodyError('/postal_code', detail)],
      },
    );
  }
  return { number: orderNumberOf(input.order_number), email: email ?? null, postalCode: postal ?? null };
}

/**
 * What customers see of their orders without an API key (behind a status link, or found by number and
 * email or postal code), and the merchant's handle on each order's link. Every way of not finding an
 * order answers undefined after the same queries, so callers cannot tell which it was.
 */
export function createTrackingService({ db, clock, statusLinks, orders }: TrackingDeps) {
  const viewOf = async (orderId: string): Promise<TrackedOrder | undefined> => {
    const row = await trackedOrderRow(db, orderId);
    return row && presentTrackedOrder(row, clock.now());
  };

  return {
    /** The order a status link shows, or undefined (unknown, forged, revoked, renewed or expired). */
    async view(token: string): Promise<TrackedOrder | undefined> {
      const orderId = await statusLinks.resolve(token);
      return orderId === undefined ? undefined : viewOf(orderId);
    },

    /** The order matching a customer's number and email or postal code, with its link; or undefined. */
    async lookup(input: Lookup) {
      const key = lookupKey(input);
      const orderId = await matchingOrder(db, key);
      const link = await statusLinks.usable(orderId);
      const order = link && orderId !== undefined ? await viewOf(orderId) : undefined;
      return link && order && { status_link: { url: link.url, token: link.token }, order };
    },

    async linkOf(idOrNumber: string, caller: Caller): Promise<MerchantStatusLink> {
      const { order } = await orders.find(db, idOrNumber, caller);
      return statusLinks.current(db, order.id);
    },

    async renew(idOrNumber: string, caller: Caller): Promise<MerchantStatusLink> {
      return inTransaction(db, async (tx) => {
        const { order } = await orders.find(tx, idOrNumber, caller, true);
        return { ...(await statusLinks.renew(tx, order.id)), revoked: false };
      });
    },

    async revoke(idOrNumber: string, caller: Caller): Promise<void> {
      await inTransaction(db, async (tx) => {
        const { order } = await orders.find(tx, idOrNumber, caller, true);
        await statusLinks.revoke(tx, order.id);
      });
    },
  };
}
