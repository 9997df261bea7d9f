import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The repository root: the lint tools and their configs are the project's own. */
export const projectRoot = path.resolve(import.meta.dirname, '../..');
export const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name);

const fixtures: string[] = [];

/** Writes `files` (path relative to the fixture root -> content) into a new temp folder. */
export async function makeFixture(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ordo-lint-'));
  fixtures.push(root);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  return root;
}

export async function removeFixtures(): Promise<void> {
  await Promise.all(fixtures.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a tool to its end and returns its exit code with stdout and stderr together. */
export function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** `n` lines, the i-th made by `line(i)`, each ending in a newline. */
export const lines = (n: number, line: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `${line(i)}\n`).join('');

/**
 * A source file from its lines. `#{x}` stands for a template placeholder: a plain string holding a
 * dollar-brace trips Biome's noTemplateCurlyInString.
 */
export const code = (...sourceLines: string[]) => `${sourceLines.join('\n').replaceAll('#{', '${')}\n`;
