import { sql } from 'drizzle-orm';
import { inTransaction } from '../../db/transaction.js';
import { invalid } from '../../errors.js';
import type { InventoryDeps } from './deps.js';
import { resolveRows } from './feed-rows.js';
import type { ReorderPoints } from './inventory.schemas.js';
import { levelKey, lockLevels } from './levels.js';

/**
 * Writes reorder points per SKU and location in one transaction, all or nothing: every unknown SKU or
 * location is listed by row. A level that does not exist yet is created (with nothing on hand). When a
 * row names a level twice, the last one wins.
 */
export const setReorderPoints = (
  { db }: Pick<InventoryDeps, 'db'>,
  input: ReorderPoints,
): Promise<{ updated: number }> =>
  inTransaction(db, async (tx) => {
    const { resolved, errors } = await resolveRows(tx, input.items);
    if (errors.length > 0) {
      throw invalid(errors, 'Some rows are invalid; nothing was changed');
    }
    const levels = await lockLevels(tx, resolved, { create: true });
    const points = new Map<number, number | null>();
    for (const row of resolved) {
      const level = levels.get(levelKey(row.productId, row.locationId));
      if (level) {
        points.set(level.id, row.reorder_point);
      }
    }
    await tx.execute(sql`
      UPDATE inventory_levels l SET reorder_point = v.point, updated_at = now()
        FROM unnest(${sql.param([...points.keys()])}::bigint[], ${sql.param([...points.values()])}::int[]) AS v(id, point)
       WHERE l.id = v.id`);
    return { updated: input.items.length };
  });
