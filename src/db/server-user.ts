import { execFile } from 'node:child_process';
import { existsSync, type Stats } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../process/startup-error.js';

const run = promisify(execFile);

/** The user the embedded server runs as, when it cannot be this process's own (root). */
export interface ServerUser {
  uid: number;
  gid: number;
}

const userName = 'postgres';

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, userName]);
  return Number.parseInt(stdout, 10);
}

/** The `postgres` user, created (with its group) when missing, as a root start needs it. */
async function postgresUser(): Promise<ServerUser> {
  try {
    return { uid: await idOf('-u'), gid: await idOf('-g') };
  } catch {
    // Not there yet.
  }
  try {
    await run('groupadd', ['--system', userName]).catch(() => undefined);
    await run('useradd', ['--system', '--gid', userName, '--no-create-home', userName]);
    return { uid: await idOf('-u'), gid: await idOf('-g') };
  } catch (err) {
    const reason = String((err as { stderr?: unknown }).stderr ?? err)
      .trim()
      .split('\n')[0];
    throw new StartupError(
      `as root, the embedded PostgreSQL must run as a user named ${userName}, and creating that user failed (${reason}); create it (useradd ${userName}), or start Ordo as another user`,
    );
  }
}

function canEnter(info: Stats, { uid, gid }: ServerUser): boolean {
  const bit = info.uid === uid ? 0o100 : info.gid === gid ? 0o010 : 0o001;
  return (info.mode & bit) !== 0;
}

/** The first folder from `/` down to `folder` (itself included) that `user` may not enter, if any. */
async function firstBlocked(
  folder: string,
  user: ServerUser,
): Promise<{ path: string; mode: string } | undefined> {
  const parts = path.resolve(folder).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const current = path.join(path.sep, ...parts.slice(0, i));
    if (!existsSync(current)) {
      return undefined;
    }
    const info = await stat(current);
    if (!canEnter(info, user)) {
      return { path: current, mode: (info.mode & 0o777).toString(8).padStart(4, '0') };
    }
  }
  return undefined;
}

async function makeDataFolder(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new StartupError(
      `cannot create the data folder ${dataDir} (${(err as NodeJS.ErrnoException).code}); set ORDO_DATA_DIR to a folder this user may write`,
    );
  }
}

/**
 * PostgreSQL refuses to run as root. As root, the embedded server runs as the `postgres` user, which
 * must be able to reach its programs and the data folder. Checked before anything is created, so a
 * folder it cannot enter (root's home) gets one line saying what to change instead of a failed initdb
 * and a half-made cluster. The data folder is Ordo's own: it is opened to that user where needed. The
 * cluster is not moved to a folder the user can reach: a data folder on a mounted volume would then
 * silently lose its data with the container.
 */
export async function prepareServerUser(
  programsFolder: string,
  dataDir: string,
): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) {
    await makeDataFolder(dataDir);
    return undefined;
  }
  const user = await postgresUser();
  const programs = await firstBlocked(programsFolder, user);
  if (programs) {
    throw new StartupError(
      `as root, the embedded PostgreSQL runs as user ${userName}, which cannot enter ${programs.path} (mode ${programs.mode}) to reach its programs in ${programsFolder}; install Ordo in a folder that user can read, or start Ordo as another user`,
    );
  }
  const blockedBefore = await firstBlocked(path.dirname(dataDir), user);
  if (blockedBefore === undefined) {
    await makeDataFolder(dataDir);
    const info = await stat(dataDir);
    if (!canEnter(info, user)) {
      await chmod(dataDir, (info.mode & 0o7777) | 0o011);
    }
  }
  const blocked = blockedBefore ?? (await firstBlocked(dataDir, user));
  if (blocked) {
    throw new StartupError(
      `as root, the embedded PostgreSQL runs as user ${userName}, which cannot enter ${blocked.path} (mode ${blocked.mode}); set ORDO_DATA_DIR to a folder it can reach, e.g. ORDO_DATA_DIR=/var/lib/ordo, or start Ordo as another user`,
    );
  }
  return user;
}
