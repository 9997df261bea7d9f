import { expect } from 'vitest';
import type { TestApp } from './app.js';

/**
 * Runs the sequencer until every committed event of this test's database is numbered. One pass may
 * number nothing: it numbers only events no running transaction can precede, and the oldest running
 * transaction is counted server-wide, so another test file's long transaction holds it back a while.
 */
export async function sequenceAll(t: TestApp): Promise<void> {
  await expect
    .poll(
      async () => {
        await t.app.services.events.sequence();
        const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM events WHERE position IS NULL');
        return rows[0].n;
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(0);
}
