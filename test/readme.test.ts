import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot, startService } from './helpers/service.js';

/** A fenced ```sh block of the README that a `<!-- story -->` or `<!-- story: server -->` comment marks. */
interface StoryBlock {
  kind: 'story' | 'server';
  /** README line of the block's first line of code (1-based). */
  line: number;
  code: string;
}

/** The marked blocks, in README order. A marker must sit right above a ```sh fence. */
function storyBlocks(readme: string): StoryBlock[] {
  const lines = readme.split('\n');
  const blocks: StoryBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- story(: server)? -->$/.exec(lines[i]?.trim() ?? '');
    if (!marker) {
      continue;
    }
    if (lines[i + 1] !== '```sh') {
      throw new Error(`README.md:${i + 1}: a story marker must be followed by a \`\`\`sh block`);
    }
    const end = lines.indexOf('```', i + 2);
    if (end === -1) {
      throw new Error(`README.md:${i + 2}: the story block never closes`);
    }
    blocks.push({
      kind: marker[1] ? 'server' : 'story',
      line: i + 3,
      code: lines.slice(i + 2, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

/** The `NAME=value` assignments of the server block's `npm start` line (values computed by the shell left out). */
function serverEnvironment(block: StoryBlock): Record<string, string> {
  // A command continued over several lines (`\` at a line's end) is one line to the shell.
  const start = block.code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .find((line) => /\bnpm start\b/.test(line));
  if (!start) {
    throw new Error(`README.md:${block.line}: the server block has no \`npm start\` line`);
  }
  const env: Record<string, string> = {};
  for (const [, name, value] of start.matchAll(/\b([A-Z][A-Z0-9_]*)=(\S+)/g)) {
    if (name && value && !value.includes('$')) {
      env[name] = value;
    }
  }
  return env;
}

/** Fails with a clear message when something else already listens where the story's webhook receiver will. */
async function expectPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new Error(`port ${port}, where the README's webhook receiver listens, is in use`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/**
 * Waits until the API takes the README's admin key (a reader types for a while after `npm start`;
 * right after listening, start-up work can still count as load, which the API answers with a 503).
 */
async function settled(base: string, key: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${base}/v1/channels`, { headers: { authorization: `Bearer ${key}` } });
    if (response.status !== 503) {
      expect(response.status).toBe(200);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the API still answered 503 ten seconds after start');
}

interface Run {
  code: number | null;
  output: string;
}

/**
 * Runs the story as one `bash -euo pipefail` script in the repository folder, as a reader would, in a
 * process group of its own so the background jobs it starts end with it.
 */
async function runStory(script: string, timeoutMs: number): Promise<Run> {
  // --norc: bash reads ~/.bashrc when it thinks a remote shell daemon started it (stdin a socket)
  const child = spawn('bash', ['--norc', '-euo', 'pipefail', '-c', script], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'C.UTF-8' },
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const killGroup = () => {
    try {
      if (child.pid) {
        process.kill(-child.pid, 'SIGKILL');
      }
    } catch {
      // the group is gone already
    }
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
      new Promise<number | null>((resolve) => {
        timer = setTimeout(() => {
          output += `\n(the story was still running after ${timeoutMs} ms)`;
          resolve(null);
        }, timeoutMs);
      }),
    ]);
    return { code, output };
  } finally {
    clearTimeout(timer);
    killGroup();
  }
}

const readme = await readFile(path.join(repositoryRoot, 'README.md'), 'utf8');
const blocks = storyBlocks(readme);
const story = blocks.filter((block) => block.kind === 'story');
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('the README walk-through', () => {
  it('is one story: it starts Ordo, then sets up, promises, captures, picks, packs, ships, tracks, hears webhooks, returns, refunds, cancels, and runs operations', () => {
    expect(blocks.filter((block) => block.kind === 'server')).toHaveLength(1);
    expect(blocks[0]?.kind).toBe('server');
    const text = story.map((block) => block.code).join('\n');
    const steps: Array<[string, RegExp]> = [
      ['admin key', /^ADMIN=/m],
      ['storefront key', /^KEY=\$\(curl .*\/v1\/api-keys/m],
      ['promise', /\/v1\/promise /],
      ['capture', /^ORDER=\$\(curl .*\/v1\/orders -H "Authorization: Bearer \$KEY"/m],
      ['holds queue', /\/v1\/holds\?/],
      ['pick list', /\/pick-lists\/\$PICK_LIST\/confirm /],
      ['scan', /\/v1\/shipments\/\$SHIPMENT\/scan /],
      ['pack', /\/v1\/shipments\/\$SHIPMENT\/pack /],
      ['ship', /\/v1\/shipments\/\$SHIPMENT\/ship /],
      ['tracking', /\/v1\/shipments\/\$SHIPMENT\/tracking /],
      ['webhook subscription', /\/v1\/webhooks -H/],
      ['event feed', /\/v1\/events\?after=0/],
      ['return', /^RETURN=\$\(curl .*\/v1\/orders\/\$ORDER\/returns /m],
      ['receipt', /\/v1\/returns\/\$RETURN\/receive /],
      ['refund', /^REFUND=\$\(curl .*\/v1\/returns\/\$RETURN\/refund /m],
      ['refund confirmed', /\/v1\/refunds\/\$REFUND\/confirm /],
      ['second order cancelled', /\/v1\/orders\/\$SECOND\/cancel /],
      ['timeline', /\/v1\/orders\/\$ORDER\/timeline/],
      ...['orders', 'fulfillment', 'backlog', 'inventory', 'returns', 'holds'].map(
        (report): [string, RegExp] => [`${report} report`, new RegExp(`/v1/reports/${report}\\b`)],
      ),
      ['report as CSV', /Accept: text\/csv/],
      ['alert rules', /-X PUT localhost:3000\/v1\/alerts\/rules /],
      ['acknowledge an alert', /\/v1\/alerts\/\$ALERT\/acknowledge /],
      ['business metrics', /localhost:3000\/metrics/],
      ['status link', /\/v1\/orders\/\$ORDER\/status-link -H/],
      ['customer view without a key', /localhost:3000\/v1\/track\/\$TOKEN \|/],
      ['lookup', /localhost:3000\/v1\/track\/lookup /],
    ];
    const missing = steps.filter(([, pattern]) => !pattern.test(text)).map(([step]) => step);
    expect(missing).toEqual([]);
    expect(text).toContain('localhost:3000');
  });

  it('runs: every story block, in order, in one bash against a fresh Ordo', { timeout: 90_000 }, async () => {
    const [server] = blocks;
    if (server?.kind !== 'server') {
      throw new Error('README.md has no <!-- story: server --> block before the story');
    }
    const env = serverEnvironment(server);
    expect(env.ORDO_BOOTSTRAP_API_KEY).toBeDefined();
    await expectPortFree(4000);

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-readme-'));
    dirs.push(dataDir);
    // The suite runs this beside every other test file on a few cores: a process that waits for CPU would
    // otherwise shed the story's requests as overloaded (event-loop delay), which a reader's idle machine
    // never does.
    const ordo = await startService({ ...env, ORDO_DATA_DIR: dataDir });
    try {
      await settled(ordo.base, env.ORDO_BOOTSTRAP_API_KEY ?? '');
      const host = ordo.base.replace(/^http:\/\//, '');
      // Line 1 of the script; then each block, so a script line maps back to its README line.
      const header = `trap 'echo "✗ exit $? at story line $LINENO: $BASH_COMMAND" >&2' ERR`;
      const origins: number[] = [0];
      const parts = [header];
      for (const block of story) {
        const code = block.code.replace(/\b(localhost|127\.0\.0\.1):3000\b/g, host);
        origins.push(...code.split('\n').map((_, offset) => block.line + offset));
        parts.push(code);
      }
      const run = await runStory(parts.join('\n'), 60_000);
      const readmeLines = run.output.replace(
        /at story line (\d+)/g,
        (_, line: string) => `at README.md:${origins[Number(line) - 1] ?? '?'}`,
      );
      if (process.env.README_STORY_LOG) {
        // What the story printed, to keep the README's `# ->` lines true when they are edited.
        await writeFile(process.env.README_STORY_LOG, run.output);
      }
      expect(run.code, `the README story failed:\n${readmeLines.slice(-8000)}`).toBe(0);
    } finally {
      await ordo.stop();
    }
  });
});
