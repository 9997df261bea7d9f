import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The fields of /proc/<pid>/stat from the state on (the command name before it may hold spaces), or
 * undefined where there is no /proc (not Linux) or the process is gone.
 */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether process `pid` runs. A zombie (exited, not yet reaped by its parent) counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }
  return statFields(pid)?.[0] !== 'Z';
}

/** When `pid` started (Linux: clock ticks since boot), to tell it from a later process given the same pid. */
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** The process group of `pid` (Linux). */
export function processGroupOf(pid: number): number | undefined {
  const group = statFields(pid)?.[2];
  return group === undefined ? undefined : Number(group);
}

/** The working folder of `pid` (Linux; needs the right to inspect it: the same user, or root). */
export function workingFolderOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * Waits until `pid` has exited, polling, since it need not be this process's child; resolves false if it
 * still runs after `timeoutMs`.
 */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > until) {
      return false;
    }
    await sleep(20);
  }
  return true;
}
