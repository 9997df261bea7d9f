import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// `tsx scripts/check-size.ts [root]`: no file in src/ over 400 lines (docs/architecture.md, Size).
// Biome's noExcessiveLinesPerFile skips the lines inside template literals and block comments, so a
// file of SQL and doc comments passes it far past 400; this counts every line, as an editor does.
// Function length is Biome's complexity/noExcessiveLinesPerFunction, set for src/ in biome.json.

const maxLines = 400;

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const files = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => path.posix.join('src', file.split(path.sep).join('/')))
  .sort();

const problems = files.flatMap((file) => {
  const text = readFileSync(path.join(root, file), 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return lines > maxLines ? [`${file}: ${lines} lines (max ${maxLines}): split it by use case`] : [];
});

if (problems.length > 0) {
  process.stdout.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`check-size: ${files.length} files, none over ${maxLines} lines\n`);
