import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'vitest';

/** A state machine as its state file describes it (shipment-state.ts, return-state.ts). */
export interface LifecycleGuide {
  means: string;
  forward: ReadonlyArray<{ to: string; via: readonly string[]; how: string }>;
  back: ReadonlyArray<{ to: string; via: readonly string[]; how: string }>;
  otherwise?: string;
}

const lifecyclePage = new URL('../../docs/lifecycle.md', import.meta.url);
const code = (text: string) => `\`${text}\``;

function cell(moves: LifecycleGuide['forward'], fallback: string): string {
  if (moves.length === 0) {
    return fallback;
  }
  return moves
    .map((move) => `→ ${code(move.to)} by ${move.via.map(code).join(', ')}: ${move.how}`)
    .join('<br>');
}

/** The markdown table of a state machine: status, what it means, how to move on, how to go back or cancel. */
export function lifecycleTable(guide: Readonly<Record<string, LifecycleGuide>>): string {
  const rows = Object.entries(guide).map(([status, g]) => {
    const final = g.forward.length === 0 && g.back.length === 0;
    const forward = cell(g.forward, g.otherwise ?? '—');
    const back = cell(g.back, final ? '—' : (g.otherwise ?? '—'));
    return `| ${code(status)} | ${g.means} | ${forward} | ${back} |`;
  });
  return [
    '| Status | What it means | How to move on | How to go back or cancel |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * Asserts that docs/lifecycle.md holds `table` between `<!-- lifecycle:<name> -->` and
 * `<!-- /lifecycle:<name> -->`. With LIFECYCLE_DOC=write in the environment it writes the table
 * there instead (how the page is regenerated after a state file changed).
 */
export async function expectLifecycleSection(name: string, table: string): Promise<void> {
  const page = await readFile(lifecyclePage, 'utf8');
  const start = `<!-- lifecycle:${name} -->\n`;
  const end = `\n<!-- /lifecycle:${name} -->`;
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  expect(from, `docs/lifecycle.md has no ${start.trim()} marker`).toBeGreaterThanOrEqual(0);
  expect(to, `docs/lifecycle.md has no ${end.trim()} marker`).toBeGreaterThan(from);
  if (process.env.LIFECYCLE_DOC === 'write') {
    await writeFile(lifecyclePage, `${page.slice(0, from + start.length)}${table}${page.slice(to)}`);
    return;
  }
  expect(
    page.slice(from + start.length, to),
    'docs/lifecycle.md is out of date: run the lifecycle tests with LIFECYCLE_DOC=write',
  ).toBe(table);
}

/** The operationIds of the committed OpenAPI document. */
export async function operationIds(): Promise<Set<string>> {
  const document = JSON.parse(
    await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'),
  ) as { paths: Record<string, Record<string, { operationId?: string }>> };
  return new Set(
    Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).flatMap((operation) => (operation.operationId ? [operation.operationId] : [])),
    ),
  );
}

/**
 * The checks both state machines pass: every move is taken by operations the API has; every status
 * that is not final has a way on, and one back or an `otherwise` saying why not; a final status says
 * what follows it; and from every status some final status can be reached (no dead end).
 */
export async function expectNoDeadEnds(guide: Readonly<Record<string, LifecycleGuide>>): Promise<void> {
  const known = await operationIds();
  for (const [status, g] of Object.entries(guide)) {
    for (const move of [...g.forward, ...g.back]) {
      expect(Object.keys(guide), `${status} → ${move.to}`).toContain(move.to);
      expect(move.via.length, `${status} → ${move.to} names no operation`).toBeGreaterThan(0);
      for (const operation of move.via) {
        expect(known.has(operation), `${status} → ${move.to}: ${operation} is not an operationId`).toBe(true);
      }
    }
    const final = g.forward.length === 0 && g.back.length === 0;
    if (final || g.back.length === 0) {
      expect(g.otherwise, `${status} must say what happens instead`).toBeTruthy();
    }
  }
  const finals = Object.keys(guide).filter(
    (s) => guide[s]?.forward.length === 0 && guide[s]?.back.length === 0,
  );
  for (const status of Object.keys(guide)) {
    const seen = new Set([status]);
    const queue = [status];
    while (queue.length > 0) {
      const at = queue.shift() as string;
      for (const move of [...(guide[at]?.forward ?? []), ...(guide[at]?.back ?? [])]) {
        if (!seen.has(move.to)) {
          seen.add(move.to);
          queue.push(move.to);
        }
      }
    }
    expect(
      finals.some((f) => seen.has(f)),
      `no final status can be reached from ${status}`,
    ).toBe(true);
  }
}
