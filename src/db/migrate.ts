import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** `migrations/` at the project root, from both src/db and the compiled dist/db. */
export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

// Any constant shared by every Ordo process: replicas starting together migrate one at a time.
const migrationLockId = 0x0bd0_0001;

/** Applies the committed SQL migrations, serialised across processes by an advisory lock. */
export async function runMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'ordo-migrate' });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockId]);
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}

/** The journal time of the newest committed migration, which a ready database must have applied. */
export function latestMigrationMillis(): number {
  return Math.max(0, ...readMigrationFiles({ migrationsFolder }).map((m) => m.folderMillis));
}
