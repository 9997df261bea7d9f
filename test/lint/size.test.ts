import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, code, lines, makeFixture, projectRoot, removeFixtures, run } from './fixture.js';

const script = path.join(projectRoot, 'scripts', 'check-size.ts');

/** A file of `n` lines, with SQL in a template and a doc comment, which Biome's own count skips. */
const fileOf = (n: number) =>
  code('/**', ' * A comment.', ' */', 'export const query = `', 'SELECT 1', '`;') +
  lines(n - 6, (i) => `export const v${i} = ${i};`);

/** A function of `n` lines, all but four in a template literal (SQL), which Biome's own count skips. */
const sqlFunctionOf = (n: number) =>
  code('export function query(limit: number): string {', '  return `') +
  lines(n - 4, (i) => `    SELECT ${i}`) +
  code('    LIMIT #{limit}`;', '}');

/** The same as an arrow function assigned to a constant. */
const sqlArrowOf = (n: number) =>
  code('export const query = (limit: number): string => {', '  return `') +
  lines(n - 4, (i) => `    SELECT ${i}`) +
  code('    LIMIT #{limit}`;', '};');

/** A function whose body has `n` lines. */
const functionOf = (n: number) =>
  code('export function long(): number {', '  let total = 0;') +
  lines(n - 2, (i) => `  total += ${i};`) +
  code('  return total;', '}');

describe('file size check', () => {
  afterAll(removeFixtures);

  it('fails a 401-line file in src', async () => {
    const root = await makeFixture({ 'src/modules/orders/big.ts': fileOf(401), 'src/small.ts': fileOf(10) });
    const result = await run(bin('tsx'), [script, root], projectRoot);
    expect(result.code).toBe(1);
    expect(result.output).toBe('src/modules/orders/big.ts: 401 lines (max 400): split it by use case\n');
  });

  it('passes files of 400 lines and fewer', async () => {
    const root = await makeFixture({ 'src/modules/orders/full.ts': fileOf(400), 'src/small.ts': fileOf(10) });
    const result = await run(bin('tsx'), [script, root], projectRoot);
    expect(result.output).toBe('check-size: 2 files, none over 400 lines, no function over 80\n');
    expect(result.code).toBe(0);
  });

  it('fails a function of 81 lines, counting the lines of its template literals', async () => {
    const root = await makeFixture({
      'src/modules/orders/long.ts': sqlFunctionOf(81),
      'src/modules/orders/long-arrow.ts': `// An arrow function a line down.\n${sqlArrowOf(81)}`,
      'src/modules/orders/fits.ts': sqlFunctionOf(80),
    });
    const result = await run(bin('tsx'), [script, root], projectRoot);
    expect(result.code).toBe(1);
    expect(result.output).toBe(
      [
        'src/modules/orders/long-arrow.ts:2: function query is 81 lines (max 80): split it',
        'src/modules/orders/long.ts:1: function query is 81 lines (max 80): split it',
        '',
      ].join('\n'),
    );
  });

  it('passes functions of 80 lines', async () => {
    const root = await makeFixture({
      'src/modules/orders/fits.ts': sqlFunctionOf(80),
      'src/modules/orders/fits-arrow.ts': sqlArrowOf(80),
    });
    const result = await run(bin('tsx'), [script, root], projectRoot);
    expect(result.output).toBe('check-size: 2 files, none over 400 lines, no function over 80\n');
    expect(result.code).toBe(0);
  });
});

describe('function size (Biome, with the project biome.json)', () => {
  afterAll(removeFixtures);

  it('fails a function of 81 lines in src, and allows one of 80 and long ones in tests', async () => {
    const root = await makeFixture({
      'biome.json': await readFile(path.join(projectRoot, 'biome.json'), 'utf8'),
      'src/long.ts': functionOf(81),
      'src/fits.ts': functionOf(80),
      'test/long.test.ts': functionOf(120),
    });
    // the fixture is no git checkout, so Biome may not read a .gitignore from it
    const result = await run(bin('biome'), ['lint', '--vcs-enabled=false', 'src', 'test'], root);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('src/long.ts:1:8 lint/complexity/noExcessiveLinesPerFunction');
    expect(result.output).toContain('This function has too many lines (81). Maximum allowed is 80.');
    expect(result.output).not.toContain('src/fits.ts');
    expect(result.output).not.toContain('test/long.test.ts');
  });
});
