import type { returnStatuses } from '../../db/schema/returns.js';
import { AppError } from '../../errors.js';

export type ReturnStatus = (typeof returnStatuses)[number];

/** One way out of a status: where it leads, the API operations (operationIds) that take it, and when. */
export interface ReturnMove {
  to: ReturnStatus;
  via: readonly string[];
  how: string;
}

/**
 * A status as the lifecycle page (docs/lifecycle.md) shows it: what it means, the ways on and the ways
 * back or out. `otherwise` says what happens where a status has no way on or back (a final status).
 */
export interface ReturnStatusGuide {
  means: string;
  forward: readonly ReturnMove[];
  back: readonly ReturnMove[];
  otherwise?: string;
}

const receiving = {
  to: 'received',
  via: ['receiveReturn'],
  how: 'Units arrive at a location (partial receipts allowed): sellable ones are restocked, an exchange waiting for them is released.',
} as const;
const final = 'Final. Other units of the order can still come back in a new return.';

/**
 * The return (RMA) lifecycle as data: for each status, the statuses it may move to and the
 * operations that move it there. `assertReturnTransition` reads it, and docs/lifecycle.md is checked
 * against it by a test, so the rules, the API and the page cannot drift apart.
 */
export const returnLifecycle: Readonly<Record<ReturnStatus, ReturnStatusGuide>> = {
  requested: {
    means:
      'Waits for a person: a reason the channel’s policy reviews opened a `return_review` hold in the `returns` queue (`listHolds`, oldest first).',
    forward: [
      {
        to: 'authorized',
        via: ['authorizeReturn'],
        how: 'Approved: the hold is released and an exchange, if asked for, is created.',
      },
    ],
    back: [
      {
        to: 'rejected',
        via: ['rejectReturn'],
        how: 'Turned down: the hold is cancelled; the units may be asked for again.',
      },
      {
        to: 'closed',
        via: ['closeReturn'],
        how: 'Withdrawn (the customer keeps the units): the hold is cancelled.',
      },
    ],
  },
  authorized: {
    means: 'Approved; the customer sends the units back.',
    forward: [
      {
        to: 'in_transit',
        via: ['markReturnInTransit'],
        how: 'The customer sent the parcel (carrier and tracking number).',
      },
      receiving,
    ],
    back: [
      {
        to: 'rejected',
        via: ['rejectReturn'],
        how: 'Turned down after all: an exchange not yet shipped is cancelled.',
      },
      {
        to: 'closed',
        via: ['closeReturn'],
        how: 'Nothing is coming back: its exchange is cancelled, unless the replacement already left.',
      },
    ],
  },
  in_transit: {
    means: 'On its way back.',
    forward: [receiving],
    back: [
      {
        to: 'closed',
        via: ['closeReturn'],
        how: 'The parcel never arrived: its exchange is cancelled, unless the replacement already left.',
      },
    ],
  },
  received: {
    means: 'Units arrived (all or some).',
    forward: [
      { ...receiving, how: 'More units arrive.' },
      {
        to: 'refunded',
        via: ['refundReturn', 'confirmRefund'],
        how: 'Refunds are recorded for received units the exchange does not replace (`refund.requested` tells the payment system) and confirmed; the return is refunded once every unit is back and every unit not exchanged is refunded.',
      },
    ],
    back: [
      {
        to: 'closed',
        via: ['closeReturn'],
        how: 'Nothing more is coming back or being refunded; also how a return whose units were all exchanged ends.',
      },
    ],
  },
  refunded: {
    means: 'Every unit is back and refunded (or exchanged).',
    forward: [],
    back: [],
    otherwise: final,
  },
  closed: { means: 'Ended without (more) refund.', forward: [], back: [], otherwise: final },
  rejected: {
    means: 'Turned down.',
    forward: [],
    back: [],
    otherwise: 'Final. The units may be asked for again in a new return.',
  },
};

/** The statuses a return that is `from` may move to: every way on and every way back. */
export const returnTransitions = (from: ReturnStatus): ReturnStatus[] =>
  [...returnLifecycle[from].forward, ...returnLifecycle[from].back].map((move) => move.to);

export function assertReturnTransition(from: ReturnStatus, to: ReturnStatus): void {
  if (!returnTransitions(from).includes(to)) {
    throw new AppError('conflict', `A return that is ${from} cannot become ${to}`);
  }
}

/** Returns whose units have arrived (all or some): an exchange released on receipt may go. */
const arrived: readonly ReturnStatus[] = ['received', 'refunded'];

/** Returns whose units are still on their way back (or partly received): they count against returnable units. */
export const openReturnStatuses: readonly ReturnStatus[] = [
  'requested',
  'authorized',
  'in_transit',
  'received',
];

/** Statuses in which a return's exchange is owed: authorized, and not turned down or withdrawn since. */
export const exchangeStatuses: readonly ReturnStatus[] = ['authorized', 'in_transit', 'received', 'refunded'];

/**
 * Whether the return's replacement order is owed: it asks for one, and it is authorized and not
 * turned down, or closed after some of its units arrived.
 */
export const exchangeOwed = (status: ReturnStatus, receivedUnits: number): boolean =>
  exchangeStatuses.includes(status) || (status === 'closed' && receivedUnits > 0);

/** Whether the units the exchange waits for (with `exchange_release: on_receipt`) have arrived. */
export const exchangeMayShip = (status: ReturnStatus, receivedUnits: number): boolean =>
  arrived.includes(status) || (status === 'closed' && receivedUnits > 0);
