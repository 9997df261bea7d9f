import type { Caller } from '../../http/caller.js';
import { confirm } from './confirm.js';
import type { FulfillmentDeps } from './deps.js';
import { type PackInput, pack } from './pack.js';
import { rate } from './rate.js';
import { rejectLines } from './reject-lines.js';
import { scan } from './scan.js';
import { ship } from './ship.js';
import { getShipment, listShipments, type ShipmentListQuery } from './shipment-queries.js';
import type { ConfirmShipment, RejectLines, TrackingUpdate } from './shipments.schemas.js';
import { tracking } from './tracking.js';

export type ShipmentService = ReturnType<typeof createShipmentService>;

/** The shipment use cases the API offers, from the pack station to the carrier's updates. */
export function createShipmentService(deps: FulfillmentDeps) {
  return {
    list: (query: ShipmentListQuery, caller: Caller) => listShipments(deps.db, query, caller),
    get: (id: string, caller: Caller) => getShipment(deps.db, id, caller),
    scan: (id: string, barcode: string, caller: Caller) => scan(deps.db, id, barcode, caller),
    pack: (id: string, input: PackInput, caller: Caller) => pack(deps, id, input, caller),
    rate: (id: string, caller: Caller) => rate(deps, id, caller),
    ship: (id: string, caller: Caller) => ship(deps, id, caller),
    confirm: (id: string, input: ConfirmShipment, caller: Caller) => confirm(deps, id, input, caller),
    tracking: (id: string, input: TrackingUpdate, caller: Caller) => tracking(deps, id, input, caller),
    rejectLines: (id: string, input: RejectLines, caller: Caller) => rejectLines(deps, id, input, caller),
  };
}
