import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { type RunningService, startService } from './service.js';
import { settled } from './wait.js';

/**
 * Settings for the processes of fault tests, which run beside a loaded PostgreSQL on a small machine:
 * no shedding for event-loop delay, which would answer 503 for reasons that are not the fault injected.
 */
const faultEnv = { ORDO_MAX_EVENT_LOOP_DELAY_MS: '0' };

/** The in-process app's config for fault tests (see faultEnv). */
export const faultConfig = () => ({ ...loadConfig(faultEnv), webhookAllowPrivate: true });

export interface OrdoUnderTest extends RunningService {
  /** Whether the process is still running. */
  alive(): boolean;
  /** Its log lines with this message. */
  logged(msg: string): Array<Record<string, unknown>>;
  /** Stops it if still running (SIGTERM) and removes its data folder. */
  close(): Promise<void>;
}

/** Runs Ordo as `npm start` does on `databaseUrl`, with `env` on top of the fault tests' settings. */
export async function startOrdo(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<OrdoUnderTest> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-fault-'));
  const service = await startService({
    ...faultEnv,
    DATABASE_URL: databaseUrl,
    ORDO_DATA_DIR: dataDir,
    ...env,
  });
  const exited = settled(service.exited);
  return {
    ...service,
    alive: () => !exited(),
    logged: (msg) => service.lines.filter((line) => line.msg === msg),
    async close() {
      if (!exited()) {
        await service.stop();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
