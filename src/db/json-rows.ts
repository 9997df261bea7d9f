import { getTableColumns, getTableName, type SQL, sql, type Table } from 'drizzle-orm';

/**
 * Rows of a table sent as ONE JSON parameter and expanded by `jsonb_populate_recordset`, for hot
 * writes: one parameter instead of one per column and row, which drizzle builds chunk by chunk (on
 * order capture that cost more of Ordo's CPU than PostgreSQL's parse of the JSON). Every column of
 * the table is written; a row's key missing or undefined writes NULL, not the column's default.
 */
export function jsonRows<T extends Table>(table: T) {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => [key, column.name] as const);
  const list = sql.raw(columns.map(([, name]) => name).join(', '));
  const name = sql.raw(`"${getTableName(table)}"`);
  return {
    /** The column list, for `INSERT INTO table (list) SELECT list FROM …`. */
    list,
    /** The rows as a relation with the table's row type. */
    from: (rows: Array<T['$inferSelect']>): SQL =>
      sql`jsonb_populate_recordset(NULL::${name}, ${JSON.stringify(
        rows.map((row) => Object.fromEntries(columns.map(([key, column]) => [column, row[key] ?? null]))),
      )}::jsonb)`,
  };
}
