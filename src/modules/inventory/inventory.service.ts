import type { Actor, InventoryDeps } from './deps.js';
import { adjustStock, countStock } from './feeds.js';
import type { Adjustment, Count, ReorderPoints, SafetyStock } from './inventory.schemas.js';
import {
  channelAvailability,
  type LevelListQuery,
  listLevels,
  listMovements,
  type MovementListQuery,
} from './levels-query.js';
import { setReorderPoints } from './reorder-points.js';
import { setSafetyStock } from './safety-stock.js';
import { moveStockStates } from './stock-states.js';
import type { StateMove } from './stock-states.schemas.js';

export type InventoryService = ReturnType<typeof createInventoryService>;

export function createInventoryService(deps: InventoryDeps) {
  return {
    adjust: (input: Adjustment, actor: Actor) => adjustStock(deps, input, actor),
    count: (input: Count, actor: Actor) => countStock(deps, input, actor),
    moveStates: (input: StateMove, actor: Actor) => moveStockStates(deps, input, actor),
    listLevels: (query: LevelListQuery) => listLevels(deps, query),
    listMovements: (query: MovementListQuery) => listMovements(deps, query),
    setSafetyStock: (input: SafetyStock) => setSafetyStock(deps, input),
    setReorderPoints: (input: ReorderPoints) => setReorderPoints(deps, input),
    availability: (skus: string[], channel: string) => channelAvailability(deps, skus, channel),
  };
}
