import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from './client.js';

/**
 * Sends independent writes to different rows as ONE statement (data-modifying CTEs), saving a
 * round trip per write on hot paths. `main` runs last and its rows are returned; without it the
 * statement returns nothing. PostgreSQL runs every part to completion in the same snapshot, so the
 * parts must not depend on each other's effects.
 */
export async function writeTogether<Row extends Record<string, unknown>>(
  tx: Executor,
  writes: Array<SQL | undefined>,
  main?: SQL,
): Promise<Row[]> {
  const parts = writes.filter((part): part is SQL => part !== undefined);
  const last = main ?? (parts.length === 1 ? parts.pop() : sql`SELECT 1`);
  if (last === undefined) {
    return [];
  }
  const statement =
    parts.length === 0
      ? last
      : sql`WITH ${sql.join(
          parts.map((part, i) => sql`${sql.raw(`write_${i}`)} AS (${part})`),
          sql`, `,
        )} ${last}`;
  const result = await tx.execute<Row>(statement);
  return main ? (result.rows as Row[]) : [];
}
