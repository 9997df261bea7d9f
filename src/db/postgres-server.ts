import { type ChildProcess, spawn } from 'node:child_process';
import { open, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isRunning, waitForExit, workingFolderOf } from '../process/pids.js';
import { StartupError } from '../process/startup-error.js';
import type { ServerUser } from './server-user.js';

export interface ServerOptions {
  postgres: string;
  clusterDir: string;
  port: number;
  /** Extra `-c name=value` settings. */
  flags: string[];
  user: ServerUser | undefined;
  /** The server's own log (stderr), written afresh at every start. */
  logFile: string;
  /**
   * Runs the server in a session of its own, out of the terminal's process group, so that Ctrl-C
   * reaches Ordo alone and Ordo stops the server after draining. Without it (tests), the server goes
   * down with the group.
   */
  detached: boolean;
  log: Logger;
}

export interface ServerProcess {
  pid: number;
  /** Fast shutdown (sessions are ended, nothing is lost), waiting until the server has exited. */
  stop(): Promise<void>;
}

const readyTimeoutMs = 60_000;

/** The lines of the cluster's postmaster.pid: pid, data folder, start time, port, …, status (8th). */
async function postmasterPid(clusterDir: string): Promise<string[] | undefined> {
  const content = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  return content?.split('\n');
}

/** Starts the PostgreSQL server on `clusterDir` and waits until it accepts connections. */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const { postgres, clusterDir, port, user, logFile } = options;
  const logHandle = await open(logFile, 'w', 0o644);
  let child: ChildProcess;
  try {
    child = spawn(postgres, ['-D', clusterDir, '-p', String(port), ...options.flags], {
      cwd: path.dirname(clusterDir),
      detached: options.detached,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', logHandle.fd, logHandle.fd],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
  } finally {
    await logHandle.close();
  }
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  // Should this process exit without stopping the server (a test runner that skips its teardown, a
  // crash), the server is told to stop with it; only SIGKILL leaves it running, for the next start.
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  void exited.then(() => process.off('exit', stopOnExit));
  void exited.then((how) => {
    if (!stopping) {
      options.log.error({ how, log: logFile }, 'the embedded PostgreSQL stopped unexpectedly');
    }
  });
  try {
    await untilReady(options, child, exited);
  } catch (err) {
    stopping = true;
    child.kill('SIGINT');
    await exited;
    throw err;
  }
  return {
    pid: child.pid ?? 0,
    async stop() {
      stopping = true;
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** Waits, as pg_ctl does, until postmaster.pid says `ready` for this server; fails if it exits first. */
async function untilReady(options: ServerOptions, child: ChildProcess, exited: Promise<string>) {
  let exit: string | undefined;
  void exited.then((how) => {
    exit = how;
  });
  const until = Date.now() + readyTimeoutMs;
  while (exit === undefined) {
    const lines = await postmasterPid(options.clusterDir);
    if (lines?.[0] === String(child.pid) && lines[7]?.trim() === 'ready') {
      return;
    }
    if (Date.now() > until) {
      throw new Error(
        `the embedded PostgreSQL did not become ready within ${readyTimeoutMs / 1000} s; see ${options.logFile}`,
      );
    }
    await sleep(20);
  }
  throw await startFailure(options, exit);
}

/** Why the server exited while starting, from its log, in one line. */
async function startFailure({ logFile, port }: ServerOptions, exit: string): Promise<Error> {
  const log = await readFile(logFile, 'utf8').catch(() => '');
  if (log.includes('Address already in use')) {
    return new StartupError(
      `port ${port} of the embedded PostgreSQL is in use; set ORDO_EMBEDDED_PG_PORT to a free port, or to 0 to pick one`,
    );
  }
  const lines = log.split('\n').map((line) => line.trim());
  const reason = lines.find((line) => /\b(FATAL|PANIC):/.test(line)) ?? lines.filter(Boolean).at(-1) ?? exit;
  return new Error(`the embedded PostgreSQL did not start (${reason}); its log is ${logFile}`);
}

/**
 * Stops a PostgreSQL still running on `clusterDir` though no Ordo holds the data folder: an Ordo that
 * was killed (SIGKILL, out of memory) leaves its server running, holding the cluster and a port. Where
 * the system tells, the pid must be a process working in this cluster (PostgreSQL works in its data
 * folder), so that an unrelated process given the same pid later is left alone.
 */
export async function stopOrphanedServer(clusterDir: string, log: Logger): Promise<void> {
  const pid = Number((await postmasterPid(clusterDir))?.[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) {
    return;
  }
  const folder = workingFolderOf(pid);
  if (folder !== undefined && folder !== (await realpath(clusterDir))) {
    return;
  }
  log.warn(
    { pid, dir: clusterDir },
    'stopping the embedded PostgreSQL that an Ordo killed earlier left running',
  );
  for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitForExit(pid, 30_000)) {
      return;
    }
  }
  throw new StartupError(
    `the PostgreSQL server (pid ${pid}) left running on ${clusterDir} does not stop; stop it, then start Ordo again`,
  );
}
