import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { inventoryLevels } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { bodyError, invalid } from '../../errors.js';
import { channelIdsByCode } from '../catalog/index.js';
import { withAvailabilityEvents } from './availability.js';
import type { InventoryDeps } from './deps.js';
import { resolveRows } from './feed-rows.js';
import type { SafetyStock } from './inventory.schemas.js';
import { type LockedLevel, levelKey, lockLevels } from './levels.js';

type SafetyStockRow = SafetyStock['items'][number] & { productId: number; locationId: number };

/** Writes safety stock for levels (and per-channel overrides) in one transaction. */
export const setSafetyStock = (
  { db }: Pick<InventoryDeps, 'db'>,
  input: SafetyStock,
): Promise<{ updated: number }> =>
  inTransaction(db, async (tx) => {
    const { resolved, errors } = await resolveRows(tx, input.items);
    const channelIds = await channelIdsByCode(
      tx,
      input.items.flatMap((item) => (item.channel === undefined ? [] : [item.channel])),
    );
    input.items.forEach((item, i) => {
      if (item.channel !== undefined && !channelIds.has(item.channel)) {
        errors.push(bodyError(`/items/${i}/channel`, `"${item.channel}" is not a known channel`));
      }
    });
    if (errors.length > 0) {
      throw invalid(errors, 'Some rows are invalid; nothing was changed');
    }
    const levels = await lockLevels(tx, resolved, { create: true });
    await withAvailabilityEvents(
      tx,
      resolved.map((row) => row.productId),
      async () => {
        for (const row of resolved) {
          const channelId = row.channel === undefined ? undefined : channelIds.get(row.channel);
          await writeSafetyStock(tx, row, levels.get(levelKey(row.productId, row.locationId)), channelId);
        }
      },
    );
    return { updated: input.items.length };
  });

/** The level's own safety stock, or (for a channel) its override: a null quantity removes the override. */
async function writeSafetyStock(
  tx: Executor,
  row: SafetyStockRow,
  level: LockedLevel | undefined,
  channelId: number | undefined,
) {
  if (channelId === undefined) {
    await tx
      .update(inventoryLevels)
      .set({ safetyStock: row.quantity, updatedAt: sql`now()` })
      .where(eq(inventoryLevels.id, level?.id ?? 0));
  } else if (row.quantity === null) {
    await tx.execute(sql`DELETE FROM safety_stock_overrides
      WHERE product_id = ${row.productId} AND location_id = ${row.locationId} AND channel_id = ${channelId}`);
  } else {
    await tx.execute(sql`INSERT INTO safety_stock_overrides (product_id, location_id, channel_id, quantity)
      VALUES (${row.productId}, ${row.locationId}, ${channelId}, ${row.quantity})
      ON CONFLICT (product_id, location_id, channel_id) DO UPDATE SET quantity = excluded.quantity`);
  }
}
