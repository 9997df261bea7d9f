import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { isRunning } from '../../src/process/pids.js';
import { lockGate } from '../helpers/locks.js';
import type { OrdoProcess, RunningService } from '../helpers/service.js';

export const bootstrapKey = 'process-test-bootstrap-key-0123456789';

/**
 * Settings for every Ordo these tests start. They run beside other test files on a few cores, where a
 * process waiting for CPU would shed requests as overloaded (event-loop delay), which is not under test.
 */
export const testEnv = { ORDO_MAX_EVENT_LOOP_DELAY_MS: '0' };

/** A data folder of its own (0700, as mkdtemp makes it); removed by the returned function. */
export async function dataFolder(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ordo-process-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The embedded PostgreSQL running on `dataDir`, from its postmaster.pid. */
export function embeddedServer(dataDir: string): { pid: number; port: number } {
  const lines = readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** Whether nothing accepts connections on 127.0.0.1:`port`. */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/**
 * A POST /v1/channels held in flight: the test locks the table against inserts on a connection of its
 * own and waits until Ordo's insert queues behind the lock. `finish()` lets it go and returns its response.
 */
export async function requestInFlight(service: RunningService, dataDir: string) {
  const password = readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
  const { port } = embeddedServer(dataDir);
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', password, database: 'ordo', max: 2 });
  // The server goes away with Ordo; an idle connection of this pool must not crash the test.
  pool.on('error', () => {});
  const gate = await lockGate(pool, { sql: 'LOCK TABLE channels IN SHARE ROW EXCLUSIVE MODE' });
  const response = fetch(`${service.base}/v1/channels`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: `held-${Date.now()}`, name: 'Held in flight' }),
  });
  await gate.queued(1);
  return {
    async finish(): Promise<Response> {
      await gate.open();
      await pool.end();
      return response;
    },
  };
}

/** Log lines at warn level or above. */
export const warningsOf = (ordo: OrdoProcess) => ordo.lines.filter((line) => Number(line.level) >= 40);

/**
 * What a clean stop leaves: exit 0, `stopped` last, nothing at warn or above, nothing on stderr, the
 * PostgreSQL server gone and its port closed, the data folder unlocked.
 */
export async function expectStoppedCleanly(
  ordo: OrdoProcess,
  server: { pid: number; port: number },
  dataDir: string,
): Promise<void> {
  const code = await ordo.exited;
  expect(code, `${JSON.stringify(ordo.lines.slice(-6), null, 1)}\n${ordo.stderr()}`).toBe(0);
  expect(ordo.lines.at(-1)?.msg).toBe('stopped');
  expect(warningsOf(ordo)).toEqual([]);
  expect(ordo.stderr()).toBe('');
  expect(isRunning(server.pid)).toBe(false);
  expect(await refusesConnections(server.port)).toBe(true);
  expect(() => readFileSync(path.join(dataDir, 'ordo.pid'))).toThrow(/ENOENT/);
}
