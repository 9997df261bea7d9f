import { eq } from 'drizzle-orm';
import { inventoryFeeds } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import { withAvailabilityEvents } from './availability.js';
import type { Actor, InventoryDeps } from './deps.js';
import { resolveRows } from './feed-rows.js';
import { claimReference } from './feeds.js';
import type { FeedResult } from './inventory.schemas.js';
import {
  appendMovements,
  applyOnHandChanges,
  freeUnits,
  type LockedLevel,
  levelKey,
  lockLevels,
  type Movement,
  type OnHandChange,
  type StockState,
  unitsIn,
} from './levels.js';
import type { StateMove } from './stock-states.schemas.js';

type Units = Pick<LockedLevel, 'onHand' | 'reserved' | 'damaged' | 'qualityControl'>;

const stateNames: Record<StockState, string> = {
  sellable: 'free sellable',
  damaged: 'damaged',
  quality_control: 'in quality control',
};

/** Units that may leave a state: of the sellable ones, only those no reservation holds. */
const movable = (level: Units, state: StockState) =>
  state === 'sellable' ? freeUnits(level) : unitsIn(level, state);

/** The level after `quantity` units go from one state to another (on_hand is unchanged). */
function moved(level: Units, from: StockState, to: StockState, quantity: number): Units {
  const shift = (state: StockState) => (state === to ? quantity : 0) - (state === from ? quantity : 0);
  return {
    ...level,
    damaged: level.damaged + shift('damaged'),
    qualityControl: level.qualityControl + shift('quality_control'),
  };
}

type ResolvedMove = StateMove['items'][number] & { productId: number; locationId: number };

/** Each row checked against its level as the rows before it leave it, with its two ledger rows. */
function plannedMoves(
  resolved: ResolvedMove[],
  levels: Map<string, LockedLevel>,
  reference: string,
  actor: Actor,
) {
  const units = new Map<string, Units>([...levels]);
  const movements: Movement[] = [];
  const problems: FieldError[] = [];
  resolved.forEach((row, i) => {
    const key = levelKey(row.productId, row.locationId);
    const before = units.get(key) ?? { onHand: 0, reserved: 0, damaged: 0, qualityControl: 0 };
    if (movable(before, row.from) < row.quantity) {
      problems.push(
        bodyError(
          `/items/${i}/quantity`,
          `${row.sku} at ${row.location} has ${movable(before, row.from)} ${stateNames[row.from]} unit(s), not ${row.quantity}`,
        ),
      );
      return;
    }
    units.set(key, moved(before, row.from, row.to, row.quantity));
    const ledger = { productId: row.productId, locationId: row.locationId, reason: 'state_change' };
    const source = { onHandAfter: before.onHand, reference, apiKeyId: actor.apiKeyId };
    movements.push(
      { ...ledger, ...source, quantityChange: -row.quantity, stockState: row.from },
      { ...ledger, ...source, quantityChange: row.quantity, stockState: row.to },
    );
  });
  return { units, movements, problems };
}

/**
 * Moves units between `sellable`, `damaged` and `quality_control` at their levels, in one transaction:
 * every row is checked under the level locks (taken in (product, location) order like every stock
 * change) against what the state holds, reserved units never leave `sellable`, and each move is two
 * `state_change` ledger rows (out of one state, into the other) that leave on_hand as it was. Units
 * leaving or entering `sellable` change what channels may sell: the availability events follow. A
 * reference applied before changes nothing.
 */
export async function moveStockStates(
  { db, stockAdded }: Pick<InventoryDeps, 'db' | 'stockAdded'>,
  input: StateMove,
  actor: Actor,
): Promise<FeedResult> {
  const sameState = input.items.flatMap((item, i) =>
    item.from === item.to ? [bodyError(`/items/${i}/to`, `must differ from "from" (${item.from})`)] : [],
  );
  if (sameState.length > 0) {
    throw invalid(sameState, 'Some rows are invalid; nothing was applied');
  }
  const result = await inTransaction(db, async (tx) => {
    const claim = await claimReference(tx, 'state_move', input.reference, actor);
    if ('replay' in claim) {
      return claim.replay;
    }
    const { resolved, errors } = await resolveRows(tx, input.items);
    if (errors.length > 0) {
      throw invalid(errors, 'Some rows are invalid; nothing was applied');
    }
    const levels = await lockLevels(tx, resolved);
    const { units, movements, problems } = plannedMoves(resolved, levels, input.reference, actor);
    if (problems.length > 0) {
      throw invalid(problems, 'Some rows are invalid; nothing was applied');
    }
    const changes: OnHandChange[] = [...levels.values()].map((level) => {
      const after = units.get(levelKey(level.productId, level.locationId)) ?? level;
      return {
        levelId: level.id,
        delta: 0,
        damaged: after.damaged - level.damaged,
        qualityControl: after.qualityControl - level.qualityControl,
      };
    });
    await withAvailabilityEvents(
      tx,
      resolved.map((row) => row.productId),
      async () => {
        await applyOnHandChanges(tx, changes);
        await appendMovements(tx, movements);
      },
    );
    const applied: FeedResult = {
      reference: input.reference,
      kind: 'state_move',
      applied: true,
      items: input.items.length,
      applied_at: claim.appliedAt.toISOString(),
      shortfalls: [],
    };
    await tx
      .update(inventoryFeeds)
      .set({ result: applied })
      .where(eq(inventoryFeeds.reference, input.reference));
    return applied;
  });
  if (result.applied && input.items.some((item) => item.to === 'sellable')) {
    stockAdded?.();
  }
  return result;
}
