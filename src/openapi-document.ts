import pino from 'pino';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createDatabase } from './db/client.js';

/**
 * The OpenAPI document exactly as the running service serves it. Building the app needs no
 * database connection (pools connect lazily), so this runs anywhere.
 */
export async function generateOpenApiDocument(): Promise<string> {
  const log = pino({ level: 'silent' });
  const config = loadConfig({});
  const { db, pool } = createDatabase({
    url: 'postgresql://127.0.0.1:1/none',
    poolSize: 1,
    statementTimeoutMs: 1000,
    log,
  });
  const app = await buildApp({ db, pool, config, clock: { now: () => new Date() }, log });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await pool.end();
  }
}
