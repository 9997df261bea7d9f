import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// `tsx scripts/check-size.ts [root]`: no file in src/ over 400 lines and no function over 80
// (docs/architecture.md, Size). Biome's noExcessiveLinesPerFile and noExcessiveLinesPerFunction skip the
// lines inside template literals and comments, so a file or a function of SQL and doc comments passes
// them far past the limit; this counts every line, as an editor does.

const maxLines = 400;
const maxFunctionLines = 80;

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const files = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => path.posix.join('src', file.split(path.sep).join('/')))
  .sort();

type CheckedFunction =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

const isCheckedFunction = (node: ts.Node): node is CheckedFunction =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node);

/** Its own name, or the name of the variable or property it is assigned to. */
function nameOf(node: CheckedFunction, source: ts.SourceFile): string {
  const { parent } = node;
  const assignedTo =
    ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)
      ? parent.name
      : undefined;
  return (node.name ?? assignedTo)?.getText(source) ?? '(anonymous)';
}

function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const problems: string[] = [];
  const visit = (node: ts.Node): void => {
    if (isCheckedFunction(node)) {
      const first = lineOf(node.getStart(source));
      const span = lineOf(node.getEnd()) - first + 1;
      if (span > maxFunctionLines) {
        problems.push(
          `${file}:${first}: function ${nameOf(node, source)} is ${span} lines (max ${maxFunctionLines}): split it`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

const problems = files.flatMap((file) => {
  const text = readFileSync(path.join(root, file), 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const fileProblem =
    lines > maxLines ? [`${file}: ${lines} lines (max ${maxLines}): split it by use case`] : [];
  return [...fileProblem, ...longFunctions(file, text)];
});

if (problems.length > 0) {
  process.stdout.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check-size: ${files.length} files, none over ${maxLines} lines, no function over ${maxFunctionLines}\n`,
);
