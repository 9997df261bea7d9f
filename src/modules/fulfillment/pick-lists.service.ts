import type { Caller } from '../../http/caller.js';
import { bins, replaceBins } from './bins.js';
import type { FulfillmentDeps } from './deps.js';
import { confirmPickList } from './pick-list-confirm.js';
import { createPickList } from './pick-list-create.js';
import { findPickList, presentPickList } from './pick-list-store.js';
import type { ConfirmPickList, CreatePickList, ReplaceBins } from './pick-lists.schemas.js';

export type PickListService = ReturnType<typeof createPickListService>;

/** Bins and pick lists: where products sit, batches of shipments to pick, and what the picker found. */
export function createPickListService(deps: FulfillmentDeps) {
  return {
    replaceBins: (code: string, input: ReplaceBins) => replaceBins(deps.db, code, input),
    bins: (code: string) => bins(deps.db, code),
    create: (code: string, input: CreatePickList, caller: Caller) =>
      createPickList(deps, code, input, caller),
    /** A channel-bound key sees only pick lists of its own channel's shipments. */
    get: async (id: number, caller: Caller) =>
      presentPickList(deps.db, await findPickList(deps.db, id, caller)),
    confirm: (id: number, input: ConfirmPickList, caller: Caller) => confirmPickList(deps, id, input, caller),
  };
}
