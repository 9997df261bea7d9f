import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');

/**
 * Compiles src/ once per test run into plain JavaScript with the same layout (one file per module, not
 * a bundle), for the tests that start Ordo or its CLI as a process. `node --import tsx`, what `npm start`
 * runs, compiles every module through loader hooks at each start: some 4 s a start on a 2-core machine
 * against 2 s for the compiled tree, over dozens of starts. The commands themselves still run: `npm
 * start` in test/process/stop.test.ts, `node --import tsx src/main.ts` in test/startup.test.ts. The
 * tree sits in node_modules/.cache so that packages resolve as from src/, and links migrations/ and
 * console/, which src/ reaches by relative paths.
 */
export async function compileOrdo(): Promise<{ root: string; remove(): Promise<void> }> {
  const cache = path.join(repositoryRoot, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const root = await mkdtemp(path.join(cache, 'ordo-tests-'));
  const src = path.join(repositoryRoot, 'src');
  const files = (await readdir(src, { recursive: true })).filter((file) => file.endsWith('.ts'));
  await build({
    entryPoints: files.map((file) => path.join(src, file)),
    outbase: src,
    outdir: path.join(root, 'src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n');
  for (const folder of ['migrations', 'console']) {
    await symlink(path.join(repositoryRoot, folder), path.join(root, folder));
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
