import type { Caller } from '../../http/caller.js';
import type { ReturnDeps } from './deps.js';
import { type RedriveOptions, redriveExchanges } from './exchange-worker.js';
import { receive } from './receive.js';
import { confirmRefund, refund } from './refund.js';
import { request } from './request.js';
import { getReturn, listReturns, type ReturnListQuery } from './return-queries.js';
import type { CreateReturn, ReceiveReturn } from './returns.schemas.js';
import { authorize, close, reject, shipped } from './review.js';

export type ReturnService = ReturnType<typeof createReturnService>;

/** The return (RMA) use cases the API offers; each is a file of its own. */
export function createReturnService(deps: ReturnDeps) {
  return {
    request: (orderRef: string, input: CreateReturn, caller: Caller) =>
      request(deps, orderRef, input, caller),
    list: (query: ReturnListQuery, caller: Caller) => listReturns(deps.db, query, caller),
    get: (id: string, caller: Caller) => getReturn(deps.db, id, caller),
    authorize: (id: string, caller: Caller) => authorize(deps, id, caller),
    reject: (id: string, reason: string | undefined, caller: Caller) => reject(deps, id, reason, caller),
    shipped: (id: string, input: { carrier?: string; tracking_number: string }, caller: Caller) =>
      shipped(deps, id, input, caller),
    receive: (id: string, input: ReceiveReturn, caller: Caller) => receive(deps, id, input, caller),
    refund: (id: string, caller: Caller) => refund(deps, id, caller),
    confirmRefund: (refundId: string, externalReference: string | undefined, caller: Caller) =>
      confirmRefund(deps, refundId, externalReference, caller),
    close: (id: string, reason: string | undefined, caller: Caller) => close(deps, id, reason, caller),
    /** The exchange worker's pass: replacement orders owed but not created yet. */
    redriveExchanges: (options?: RedriveOptions) => redriveExchanges(deps, options),
  };
}
