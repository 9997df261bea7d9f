import type { Executor } from '../../db/client.js';
import { withAvailabilityEvents } from './availability.js';
import {
  appendMovements,
  applyOnHandChanges,
  levelKey,
  lockLevels,
  type Movement,
  type OnHandChange,
  unitsIn,
} from './levels.js';

/** Units of one product at one location that go onto or come off the shelf. */
export interface ShelfChange {
  productId: number;
  locationId: number;
  quantity: number;
}

/**
 * Changes on_hand under the level locks, with a ledger row per level and the availability events,
 * in the caller's transaction. Units come off the sellable ones only, and never below zero: the shelf
 * cannot hold less than nothing. Units put on are sellable, or damaged with `state`.
 */
async function changeShelf(
  tx: Executor,
  items: ShelfChange[],
  direction: 1 | -1,
  reason: 'correction' | 'return_restock' | 'transfer',
  source: { reference: string; apiKeyId: string | null },
  state: 'sellable' | 'damaged' = 'sellable',
): Promise<void> {
  const wanted = items.filter((item) => item.quantity > 0);
  if (wanted.length === 0) {
    return;
  }
  const levels = await lockLevels(tx, wanted, { create: direction > 0 });
  const onHand = new Map([...levels].map(([key, level]) => [key, level.onHand]));
  const sellable = new Map([...levels].map(([key, level]) => [key, unitsIn(level, 'sellable')]));
  const movements: Movement[] = [];
  const changes = wanted.flatMap((item): OnHandChange[] => {
    const key = levelKey(item.productId, item.locationId);
    const level = levels.get(key);
    const before = onHand.get(key) ?? 0;
    const delta = direction > 0 ? item.quantity : -Math.min(sellable.get(key) ?? 0, item.quantity);
    if (!level || delta === 0) {
      return [];
    }
    onHand.set(key, before + delta);
    if (state === 'sellable') {
      sellable.set(key, (sellable.get(key) ?? 0) + delta);
    }
    movements.push({
      productId: item.productId,
      locationId: item.locationId,
      reason,
      quantityChange: delta,
      onHandAfter: before + delta,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
      stockState: state,
    });
    return [{ levelId: level.id, delta, damaged: state === 'damaged' ? delta : 0 }];
  });
  await withAvailabilityEvents(
    tx,
    wanted.map((item) => item.productId),
    async () => {
      await applyOnHandChanges(tx, changes);
      await appendMovements(tx, movements);
    },
  );
}

/** Takes units the shelf turned out not to have off on_hand (a short pick): a `correction`. */
export const writeOff = (
  tx: Executor,
  items: ShelfChange[],
  source: { reference: string; apiKeyId: string | null },
) => changeShelf(tx, items, -1, 'correction', source);

/** Puts returned sellable units back on the shelf: a `return_restock`. */
export const restock = (
  tx: Executor,
  items: ShelfChange[],
  source: { reference: string; apiKeyId: string | null },
) => changeShelf(tx, items, 1, 'return_restock', source);

/**
 * Puts returned units that cannot be sold on the shelf as `damaged`: a `return_restock` of damaged
 * units. They count in on_hand and are never available until moved back to sellable.
 */
export const restockDamaged = (
  tx: Executor,
  items: ShelfChange[],
  source: { reference: string; apiKeyId: string | null },
) => changeShelf(tx, items, 1, 'return_restock', source, 'damaged');

/**
 * Units of a transfer arriving: at its destination when received, or back at its source when the
 * transfer is cancelled on the way. Sellable, with a `transfer` ledger row each.
 */
export const transferIn = (
  tx: Executor,
  items: ShelfChange[],
  source: { reference: string; apiKeyId: string | null },
) => changeShelf(tx, items, 1, 'transfer', source);
