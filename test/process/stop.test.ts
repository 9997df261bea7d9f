import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processGroupOf } from '../../src/process/pids.js';
import { type RunningService, startService } from '../helpers/service.js';
import {
  bootstrapKey,
  dataFolder,
  embeddedServer,
  expectStoppedCleanly,
  requestInFlight,
  testEnv,
} from './helpers.js';

// One data folder for the file: each test starts on what the one before left, so each also shows
// that the next start works.
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

async function start(options: Parameters<typeof startService>[1]) {
  const service = await startService(
    { ...testEnv, ORDO_DATA_DIR: dataDir, ORDO_BOOTSTRAP_API_KEY: bootstrapKey },
    options,
  );
  running.push(service);
  return service;
}

const shuttingDown = (service: RunningService) =>
  service.line((line) => line.msg === 'shutting down: finishing in-flight requests');

describe('stopping npm start', () => {
  it('SIGTERM to npm: finishes the request in flight, then stops PostgreSQL, and exits 0', async () => {
    const service = await start({ via: 'npm' });
    const server = embeddedServer(dataDir);
    const request = await requestInFlight(service, dataDir);

    service.child.kill('SIGTERM');
    await shuttingDown(service);
    const response = await request.finish();

    expect(response.status).toBe(201);
    await expectStoppedCleanly(service, server, dataDir);
  });

  it('Ctrl-C (SIGINT to the whole process group): PostgreSQL is outside the group and outlives the drain', async () => {
    const service = await start({ via: 'npm', detached: true });
    const server = embeddedServer(dataDir);
    expect(processGroupOf(service.pid)).toBe(service.child.pid);
    expect(processGroupOf(server.pid)).not.toBe(service.child.pid);
    const request = await requestInFlight(service, dataDir);

    process.kill(-(service.child.pid ?? 0), 'SIGINT');
    await shuttingDown(service);
    const response = await request.finish();

    expect(response.status).toBe(201);
    await expectStoppedCleanly(service, server, dataDir);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the Ordo process under npm: stops cleanly, npm exits 0',
    async (signal) => {
      const service = await start({ via: 'npm' });
      const server = embeddedServer(dataDir);
      expect(service.pid).not.toBe(service.child.pid);

      process.kill(service.pid, signal);

      await expectStoppedCleanly(service, server, dataDir);
    },
  );
});
