import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/app.js';
import { repositoryRoot, startService } from './helpers/service.js';

// No shedding for event-loop delay: beside other test files on a few cores, it would answer 503.
const testEnv = { ORDO_MAX_EVENT_LOOP_DELAY_MS: '0' };

const get = (base: string, url: string, key?: string) =>
  fetch(`${base}${url}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('npm start', () => {
  it('runs on an embedded PostgreSQL in ORDO_DATA_DIR, creates a first admin key once, and keeps data', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-start-'));
    dirs.push(dataDir);

    const first = await startService({ ...testEnv, ORDO_DATA_DIR: dataDir });
    expect((await get(first.base, '/readyz')).status).toBe(200);
    const created = first.lines.find((line) => typeof line.apiKey === 'string');
    const adminKey = String(created?.apiKey);
    expect(adminKey).toMatch(/^ordo_sk_/);
    const channel = await fetch(`${first.base}/v1/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'web', name: 'Web' }),
    });
    expect(channel.status).toBe(201);
    expect(await first.stop()).toBe(0);
    expect(first.lines.at(-1)?.msg).toBe('stopped');
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

    const second = await startService({ ...testEnv, ORDO_DATA_DIR: dataDir });
    expect(second.lines.some((line) => line.apiKey !== undefined)).toBe(false);
    const channels = await get(second.base, '/v1/channels/web', adminKey);
    expect(channels.status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it('uses DATABASE_URL when set, migrating it and starting no embedded server', async () => {
    const database = await createTestDatabase({ template: null });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-start-'));
    dirs.push(dataDir);
    const bootstrap = 'startup-test-bootstrap-key-0123456789';
    try {
      const running = await startService({
        ...testEnv,
        DATABASE_URL: database.url,
        ORDO_DATA_DIR: dataDir,
        ORDO_BOOTSTRAP_API_KEY: bootstrap,
      });
      expect((await get(running.base, '/readyz')).status).toBe(200);
      expect((await get(running.base, '/v1/api-keys', bootstrap)).status).toBe(200);
      expect(running.lines.some((line) => String(line.msg).includes('embedded'))).toBe(false);
      expect(await readdir(dataDir)).toEqual([]);
      expect(await running.stop()).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('stops at once with one line naming a bad setting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '', PORT: 'abc' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe('ordo: invalid configuration: PORT must be an integer from 0 to 65535 (got "abc")\n');
  });
});
