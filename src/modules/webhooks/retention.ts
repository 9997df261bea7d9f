import { sql } from 'drizzle-orm';
import type { WebhookDeps } from './deps.js';

/**
 * Deletes finished deliveries (with their attempts) older than the retention, a batch at a time so
 * no statement runs long; pending ones stay whatever their age. Returns how many were deleted.
 */
export async function purgeFinished(
  { db, config }: Pick<WebhookDeps, 'db' | 'config'>,
  batch = 5000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db.execute(sql`
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries
         WHERE status <> 'pending'
           AND updated_at < now() - make_interval(days => ${config.webhookRetentionDays})
         LIMIT ${batch})`);
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) {
      return total;
    }
  }
}
