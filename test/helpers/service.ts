import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';

/** The repository root, where `src/main.ts` runs from. */
export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface SpawnOptions {
  /**
   * `node` (default) runs the code `npm start` runs, compiled once for the test run (compiled-ordo.ts):
   * `node <compiled>/src/main.js`; `npm` runs `npm start` itself, with npm as the child.
   */
  via?: 'node' | 'npm';
  /** The child leads a process group of its own, as a job a terminal started: Ctrl-C is `process.kill(-pid, 'SIGINT')`. */
  detached?: boolean;
  /** Node options before the entry file, e.g. `['--import', hook]` (only `via: 'node'`). */
  nodeOptions?: string[];
}

export interface OrdoProcess {
  child: ChildProcessWithoutNullStreams;
  /** Its log lines so far: each stdout line that is JSON (npm's banner is not). */
  lines: Array<Record<string, unknown>>;
  /** Its stderr so far. */
  stderr(): string;
  /** Its exit code (npm's, when run through npm), once it exits. */
  exited: Promise<number | null>;
  /** Resolves with the first log line matching `predicate`; fails if the process exits first. */
  line(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** A file of src/ compiled for this test run (`main.js`, `cli/ordo.js`). */
export function compiledEntry(file: string): string {
  const root = inject('compiledOrdo');
  if (!root) {
    throw new Error('this file starts Ordo as a process: list it in the project `alone` (vitest.config.ts)');
  }
  return path.join(root, 'src', file);
}

/** Starts Ordo with `env` (and only PATH and HOME from this process) on a free port, without waiting. */
export function spawnOrdo(env: Record<string, string>, options: SpawnOptions = {}): OrdoProcess {
  const [command, args] =
    options.via === 'npm'
      ? ['npm', ['start']]
      : [process.execPath, [...(options.nodeOptions ?? []), compiledEntry('main.js')]];
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    detached: options.detached ?? false,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
  });
  const lines: Array<Record<string, unknown>> = [];
  const watchers = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts.filter((text) => text.startsWith('{'))) {
      lines.push(JSON.parse(part) as Record<string, unknown>);
    }
    for (const watch of watchers) {
      watch();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (predicate: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const watch = () => {
        const found = lines.find(predicate);
        if (found) {
          watchers.delete(watch);
          resolve(found);
        }
      };
      watchers.add(watch);
      watch();
      void exited.then((code) => {
        watchers.delete(watch);
        reject(new Error(`exited with ${code}: ${stderr}`));
      });
    });
  return { child, lines, stderr: () => stderr, exited, line };
}

export interface RunningService extends OrdoProcess {
  /** The URL it listens on. */
  base: string;
  /** The Ordo process's pid (under npm, not the child's). */
  pid: number;
  /** Sends SIGTERM to the child and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real service (`src/main.ts`, as `npm start` does) on a free port with `env`, and waits
 * until it has started (listens, and logged its first admin key if it made one). Fails with its stderr
 * if it exits first.
 */
export async function startService(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<RunningService> {
  const ordo = spawnOrdo(env, options);
  const started = await ordo.line((line) => line.msg === 'started');
  const listening = ordo.lines
    .map((line) => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(line.msg))?.[1])
    .find(Boolean);
  if (listening === undefined) {
    throw new Error('started without a "Server listening at" line');
  }
  return {
    ...ordo,
    base: listening,
    pid: Number(started.pid),
    stop: () => {
      ordo.child.kill('SIGTERM');
      return ordo.exited;
    },
  };
}
