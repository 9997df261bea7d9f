import type { Executor } from '../../db/client.js';
import { withAvailabilityEvents } from './availability.js';
import { appendMovements, applyOnHandChanges, levelKey, lockLevels, type Movement } from './levels.js';

/** Units of one product at one location that go onto or come off the shelf. */
export interface ShelfChange {
  productId: number;
  locationId: number;
  quantity: number;
}

/**
 * Changes on_hand under the level locks, with a ledger row per level and the availability events,
 * in the caller's transaction. Off the shelf never goes below zero: it cannot hold less than nothing.
 */
async function changeShelf(
  tx: Executor,
  items: ShelfChange[],
  direction: 1 | -1,
  reason: 'correction' | 'return_restock',
  source: { reference: string; apiKeyId: string | null },
): Promise<void> {
  const wanted = items.filter((item) => item.quantity > 0);
  if (wanted.length === 0) {
    return;
  }
  const levels = await lockLevels(tx, wanted, { create: direction > 0 });
  const onHand = new Map([...levels].map(([key, level]) => [key, level.onHand]));
  const movements: Movement[] = [];
  const changes = wanted.flatMap((item) => {
    const key = levelKey(item.productId, item.locationId);
    const level = levels.get(key);
    const before = onHand.get(key) ?? 0;
    const delta = direction > 0 ? item.quantity : -Math.min(before, item.quantity);
    if (!level || delta === 0) {
      return [];
    }
    onHand.set(key, before + delta);
    movements.push({
      productId: item.productId,
      locationId: item.locationId,
      reason,
      quantityChange: delta,
      onHandAfter: before + delta,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
    });
    return [{ levelId: level.id, delta }];
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
