import type { Caller } from '../../http/caller.js';
import { cancelInbound } from './cancel.js';
import { createInbound } from './create.js';
import type { InboundDeps } from './deps.js';
import type {
  CreateInboundShipment,
  InboundReceipt,
  InboundShipmentListQuery,
  ShipInboundShipment,
  UpdateInboundShipment,
} from './inbound.schemas.js';
import { findInbound, listInbound, presentInbound } from './inbound-store.js';
import { receiveInbound } from './receive.js';
import { rescheduleInbound } from './reschedule.js';
import { shipInbound } from './ship.js';

export type InboundService = ReturnType<typeof createInboundService>;

/**
 * Inbound shipments (ASNs, purchase orders): stock announced to a location, shown as incoming until
 * it is received; backordered orders are promised its units and served first when they arrive. Like
 * the inventory feeds, any key with the inventory scopes may use them.
 */
export function createInboundService(deps: InboundDeps) {
  return {
    create: (input: CreateInboundShipment, caller: Caller) => createInbound(deps, input, caller),
    list: (query: InboundShipmentListQuery) => listInbound(deps.db, query),
    get: async (id: string) => presentInbound(await findInbound(deps.db, id)),
    ship: (id: string, input: ShipInboundShipment) => shipInbound(deps, id, input),
    update: (id: string, input: UpdateInboundShipment) => rescheduleInbound(deps, id, input),
    receive: (id: string, input: InboundReceipt, caller: Caller) => receiveInbound(deps, id, input, caller),
    cancel: (id: string, reason: string | undefined) => cancelInbound(deps, id, reason),
  };
}
