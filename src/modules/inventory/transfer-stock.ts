import type { Executor } from '../../db/client.js';
import { withAvailabilityEvents } from './availability.js';
import {
  appendMovements,
  applyOnHandChanges,
  freeUnits,
  type LevelKey,
  levelKey,
  lockLevels,
  type Movement,
  type OnHandChange,
  readLevels,
} from './levels.js';
import type { ShelfChange } from './shelf.js';

/**
 * Free units (sellable: neither reserved, damaged nor in quality control) of each (product, location),
 * in the order asked, read without locks: for refusing a request that cannot be met before anything
 * moves. What is taken is checked again under the locks (`transferOut`).
 */
export async function freeStock(tx: Executor, keys: LevelKey[]): Promise<number[]> {
  const levels = await readLevels(tx, keys, { lock: false });
  return keys.map((key) => {
    const level = levels.get(levelKey(key.productId, key.locationId));
    return level ? freeUnits(level) : 0;
  });
}

export type TransferOutResult = { ok: true } | { ok: false; short: Array<{ index: number; free: number }> };

/**
 * Units of a transfer leaving its source: under the level locks (taken in (product, location) order,
 * as capture takes them, so a transfer and an order racing for the same units queue instead of both
 * taking them), each item may take only free units. When every item fits, on_hand drops with a
 * `transfer` ledger row each and the availability events; otherwise nothing changes and the items
 * that ask for more than is free are returned, by index, with what is free.
 */
export async function transferOut(
  tx: Executor,
  items: ShelfChange[],
  source: { reference: string; apiKeyId: string | null },
): Promise<TransferOutResult> {
  const levels = await lockLevels(tx, items);
  const taken = new Map<string, number>();
  const short: Array<{ index: number; free: number }> = [];
  const changes: OnHandChange[] = [];
  const movements: Movement[] = [];
  items.forEach((item, index) => {
    const key = levelKey(item.productId, item.locationId);
    const level = levels.get(key);
    const already = taken.get(key) ?? 0;
    const free = level ? freeUnits(level) - already : 0;
    if (!level || free < item.quantity) {
      short.push({ index, free: Math.max(0, free) });
      return;
    }
    taken.set(key, already + item.quantity);
    changes.push({ levelId: level.id, delta: -item.quantity });
    movements.push({
      productId: item.productId,
      locationId: item.locationId,
      reason: 'transfer',
      quantityChange: -item.quantity,
      onHandAfter: level.onHand - already - item.quantity,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
    });
  });
  if (short.length > 0) {
    return { ok: false, short };
  }
  await withAvailabilityEvents(
    tx,
    items.map((item) => item.productId),
    async () => {
      await applyOnHandChanges(tx, changes);
      await appendMovements(tx, movements);
    },
  );
  return { ok: true };
}
