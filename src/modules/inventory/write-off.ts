import type { Executor } from '../../db/client.js';
import { withAvailabilityEvents } from './availability.js';
import { appendMovements, applyLevelChanges, levelKey, lockLevels, type Movement } from './levels.js';

export interface WriteOff {
  productId: number;
  locationId: number;
  quantity: number;
}

/**
 * Takes units the shelf turned out not to have off on_hand (a short pick), under the level locks, with
 * a `correction` ledger row and the availability events, in the caller's transaction. Never goes
 * below zero: the shelf cannot hold less than nothing.
 */
export async function writeOff(
  tx: Executor,
  items: WriteOff[],
  source: { reference: string; apiKeyId: string | null },
): Promise<void> {
  const wanted = items.filter((item) => item.quantity > 0);
  if (wanted.length === 0) {
    return;
  }
  const levels = await lockLevels(tx, wanted);
  const onHand = new Map([...levels].map(([key, level]) => [key, level.onHand]));
  const movements: Movement[] = [];
  const changes = wanted.flatMap((item) => {
    const key = levelKey(item.productId, item.locationId);
    const level = levels.get(key);
    const before = onHand.get(key) ?? 0;
    const taken = Math.min(before, item.quantity);
    if (!level || taken === 0) {
      return [];
    }
    onHand.set(key, before - taken);
    movements.push({
      productId: item.productId,
      locationId: item.locationId,
      reason: 'correction',
      quantityChange: -taken,
      onHandAfter: before - taken,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
    });
    return [{ levelId: level.id, onHandDelta: -taken, reservedDelta: 0 }];
  });
  await withAvailabilityEvents(
    tx,
    wanted.map((item) => item.productId),
    async () => {
      await applyLevelChanges(tx, changes);
      await appendMovements(tx, movements);
    },
  );
}
