import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRunning, startTimeOf } from '../process/pids.js';
import { StartupError } from '../process/startup-error.js';

export interface DataFolderLock {
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

interface Holder {
  pid: number;
  startTime: string | undefined;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  const [pid, startTime] = (await readFile(file, 'utf8').catch(() => '')).split('\n');
  const parsed = Number(pid);
  return Number.isInteger(parsed) && parsed > 0
    ? { pid: parsed, startTime: startTime || undefined }
    : undefined;
}

/**
 * Whether the Ordo that wrote the lock still runs: its pid runs and, where the system tells start
 * times, started when the lock says. In a restarted container Ordo often gets the pid it had before.
 */
function holderRuns({ pid, startTime }: Holder): boolean {
  if (pid === process.pid || !isRunning(pid)) {
    return false;
  }
  const now = startTimeOf(pid);
  return startTime === undefined || now === undefined || now === startTime;
}

/**
 * Marks `dataDir` as used by this process in `ordo.pid`: its pid, then its start time. PostgreSQL's own
 * postmaster.pid names the server, not the Ordo that runs it, and outlives an Ordo that was killed. A
 * lock whose Ordo is gone is taken over; one whose Ordo runs stops this start with one line naming it.
 */
export async function lockDataFolder(dataDir: string): Promise<DataFolderLock> {
  const file = path.join(dataDir, 'ordo.pid');
  const content = `${process.pid}\n${startTimeOf(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, content, { flag: 'wx', mode: 0o644 });
      return { release: () => releaseIfOurs(file, content) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
    }
    const holder = await readHolder(file);
    if (holder !== undefined && holderRuns(holder)) {
      throw new StartupError(
        `the data folder ${dataDir} is in use by another Ordo (pid ${holder.pid}); stop that one first, or set ORDO_DATA_DIR to another folder`,
      );
    }
    await rm(file, { force: true });
  }
  throw new StartupError(
    `could not lock the data folder ${dataDir}: other processes keep creating ${file}; start one Ordo at a time`,
  );
}

function releaseIfOurs(file: string, content: string): void {
  try {
    if (readFileSync(file, 'utf8') === content) {
      unlinkSync(file);
    }
  } catch {
    // Already gone.
  }
}
