import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from '../../src/process/pids.js';
import { type RunningService, spawnOrdo, startService } from '../helpers/service.js';
import {
  bootstrapKey,
  dataFolder,
  embeddedServer,
  expectStoppedCleanly,
  refusesConnections,
  testEnv,
} from './helpers.js';

let dataDir: string;
let remove: () => Promise<void>;
const running: RunningService[] = [];

beforeAll(async () => {
  ({ dir: dataDir, remove } = await dataFolder());
});

afterAll(async () => {
  for (const service of running) {
    service.child.kill('SIGKILL');
  }
  await remove();
});

async function start() {
  const service = await startService({
    ...testEnv,
    ORDO_DATA_DIR: dataDir,
    ORDO_BOOTSTRAP_API_KEY: bootstrapKey,
  });
  running.push(service);
  return service;
}

describe('one Ordo per data folder', () => {
  it('a second Ordo on a data folder in use gets one line naming the Ordo that holds it', async () => {
    const first = await start();

    const second = spawnOrdo({ ...testEnv, ORDO_DATA_DIR: dataDir, ORDO_BOOTSTRAP_API_KEY: bootstrapKey });

    expect(await second.exited).toBe(1);
    expect(second.stderr()).toBe(
      `ordo: the data folder ${dataDir} is in use by another Ordo (pid ${first.pid}); stop that one first, or set ORDO_DATA_DIR to another folder\n`,
    );
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
    const server = embeddedServer(dataDir);
    expect(await first.stop()).toBe(0);
    await expectStoppedCleanly(first, server, dataDir);
  });

  it('after Ordo is killed (SIGKILL), the next start stops the PostgreSQL it left running and starts', async () => {
    const killed = await start();
    const orphan = embeddedServer(dataDir);

    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(isRunning(orphan.pid)).toBe(true);

    const next = await start();

    expect(next.lines.filter((line) => Number(line.level) >= 40)).toEqual([
      expect.objectContaining({
        pid: orphan.pid,
        msg: 'stopping the embedded PostgreSQL that an Ordo killed earlier left running',
      }),
    ]);
    expect(isRunning(orphan.pid)).toBe(false);
    expect((await fetch(`${next.base}/readyz`)).status).toBe(200);
    const server = embeddedServer(dataDir);
    expect(await next.stop()).toBe(0);
    expect(await refusesConnections(server.port)).toBe(true);
    expect(isRunning(server.pid)).toBe(false);
  });
});
