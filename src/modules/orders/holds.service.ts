import type { Executor } from '../../db/client.js';
import type { Caller } from '../../http/caller.js';
import type { OrderDeps } from './deps.js';
import { assignHold, type HoldListQuery, listHolds } from './hold-queue.js';
import { releaseHold, releaseHoldIn } from './release-hold.js';

export type HoldService = ReturnType<typeof createHoldService>;

/** The exception queues: list holds, assign them, release them. */
export function createHoldService(deps: Pick<OrderDeps, 'db' | 'clock' | 'routing' | 'allocated'>) {
  return {
    list: (query: HoldListQuery, caller: Caller) => listHolds(deps, query, caller),
    assign: (id: number, assignee: string | null, caller: Caller) =>
      assignHold(deps.db, id, assignee, caller),
    release: (id: number, note: string | undefined, caller: Caller) => releaseHold(deps, id, note, caller),
    /** Releases a hold in the caller's transaction; the caller calls `allocated` once it committed. */
    releaseIn: (tx: Executor, id: number, note: string, caller: Caller) =>
      releaseHoldIn(deps, tx, id, note, caller),
    allocated: () => deps.allocated?.(),
  };
}
