import type { Caller } from '../../http/caller.js';
import { cancel } from './cancel.js';
import { type CaptureOptions, capture } from './capture.js';
import type { OrderDeps } from './deps.js';
import { type EditOptions, edit } from './edit.js';
import { getOrder, listOrders, type OrderListQuery, routingOf } from './order-queries.js';
import type { CancelOrder, CreateOrder, PaymentUpdate, UpdateOrder } from './orders.schemas.js';
import { setPayment } from './payment.js';
import { recordUnappliedChange, type UnappliedChange } from './unapplied-change.js';

export type OrderService = ReturnType<typeof createOrderService>;

/** The order use cases the API offers; each is a file of its own. */
export function createOrderService(deps: OrderDeps) {
  return {
    capture: (input: CreateOrder, caller: Caller, options?: CaptureOptions) =>
      capture(deps, input, caller, options),
    get: (idOrNumber: string, caller: Caller) => getOrder(deps.db, idOrNumber, caller),
    list: (query: OrderListQuery, caller: Caller) => listOrders(deps.db, query, caller),
    cancel: (idOrNumber: string, input: CancelOrder, caller: Caller) =>
      cancel(deps, idOrNumber, input, caller),
    update: (idOrNumber: string, input: UpdateOrder, caller: Caller, options?: EditOptions) =>
      edit(deps, idOrNumber, input, caller, options),
    /** A channel's change that came too late to apply, recorded on the order's history. */
    recordUnappliedChange: (idOrNumber: string, change: UnappliedChange, caller: Caller) =>
      recordUnappliedChange(deps, idOrNumber, change, caller),
    setPayment: (idOrNumber: string, input: PaymentUpdate, caller: Caller) =>
      setPayment(deps, idOrNumber, input, caller),
    routingOf: (idOrNumber: string, caller: Caller) => routingOf(deps.db, idOrNumber, caller),
  };
}
