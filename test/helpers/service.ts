import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

/** The repository root, where `src/main.ts` runs from. */
export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface RunningService {
  child: ChildProcessWithoutNullStreams;
  /** The URL it listens on. */
  base: string;
  /** Its log lines so far (each stdout line parsed as JSON). */
  lines: Array<Record<string, unknown>>;
  /** Its exit code, once it exits. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real service (`src/main.ts`, as `npm start` does) on a free port with `env` (and only
 * PATH and HOME from this process), and waits until it listens. Fails with its stderr if it exits first.
 */
export async function startService(env: Record<string, string>): Promise<RunningService> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts.filter(Boolean)) {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(line.msg));
        if (listening?.[1]) {
          resolve(listening[1]);
        }
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    base,
    lines,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
