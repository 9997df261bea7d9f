import jsonLogic, { type AdditionalOperation, type RulesLogic } from 'json-logic-js';

/** Rules are data: JSONLogic conditions over named facts, checked here before they are saved. */

export interface FactCatalog {
  names: readonly string[];
  /** Fact values a condition must evaluate on without throwing; the first shows which facts are lists. */
  examples: readonly object[];
}

export const asLogic = (condition: unknown) => condition as RulesLogic<AdditionalOperation>;

/** The operators a condition may use: json-logic-js's own, without `log` (it writes to stdout). */
const operators = new Set([
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  '==',
  '===',
  '!=',
  '!==',
  '!',
  '!!',
  'or',
  'and',
  '>',
  '>=',
  '<',
  '<=',
  'max',
  'min',
  '+',
  '-',
  '*',
  '/',
  '%',
  'map',
  'filter',
  'reduce',
  'all',
  'none',
  'some',
  'merge',
  'in',
  'cat',
  'substr',
]);

/** Operators whose second argument runs once per array element, with the element (not the facts) as data. */
const scopedOperators = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);

const maxDepth = 32;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/**
 * Whether `name` reads a fact: a fact name, an element of an array fact (`tags.0`), or an entry of
 * an object fact (`units_by_tag.perishable`). Entry names that every object inherits (`constructor`,
 * `__proto__`) are refused: they would read JavaScript internals, not data.
 */
function isFactPath(name: string, facts: FactCatalog): boolean {
  const [head = '', ...rest] = name.split('.');
  if (!facts.names.includes(head)) {
    return false;
  }
  if (rest.length === 0) {
    return true;
  }
  const [key = ''] = rest;
  const example = (facts.examples[0] as Record<string, unknown> | undefined)?.[head];
  if (rest.length !== 1) {
    return false;
  }
  if (Array.isArray(example)) {
    return /^\d{1,4}$/.test(key);
  }
  return isPlainObject(example) && key !== '' && !(key in Object.prototype);
}

/**
 * Problems in one condition's tree: unknown or disallowed operators, objects that are not one
 * operator, and `var`/`missing` names that are not facts. Inside the per-element logic of `some`,
 * `map` and the like, `var` reads the element, so names there are not checked.
 */
function conditionProblems(condition: unknown, facts: FactCatalog): string[] {
  const problems: string[] = [];
  const checkName = (name: unknown, op: string) => {
    if (typeof name !== 'string') {
      problems.push(`"${op}" must name a fact as a string, not ${JSON.stringify(name)}`);
    } else if (!isFactPath(name, facts)) {
      problems.push(`"${name}" is not a fact; the facts are ${facts.names.join(', ')}`);
    }
  };
  const walk = (node: unknown, factScope: boolean, depth: number): void => {
    if (depth > maxDepth) {
      problems.push(`the condition is nested more than ${maxDepth} levels deep`);
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) {
        walk(item, factScope, depth + 1);
      }
      return;
    }
    if (node === null || typeof node !== 'object') {
      return;
    }
    const keys = Object.keys(node);
    const [op] = keys;
    if (op === undefined || keys.length !== 1) {
      problems.push(`an object in a condition must have exactly one key, the operator (got ${keys.length})`);
      return;
    }
    if (!operators.has(op)) {
      problems.push(`"${op}" is not a supported JSONLogic operator`);
      return;
    }
    const raw: unknown = (node as Record<string, unknown>)[op];
    const args = Array.isArray(raw) ? raw : [raw];
    if (op === 'var') {
      if (factScope) {
        checkName(args[0], op);
      } else {
        walk(args[0], factScope, depth + 1);
      }
      walk(args[1], factScope, depth + 1);
      return;
    }
    if (factScope && (op === 'missing' || op === 'missing_some')) {
      const names = op === 'missing_some' ? args[1] : Array.isArray(args[0]) ? args[0] : args;
      for (const name of Array.isArray(names) ? names : []) {
        if (typeof name === 'string') {
          checkName(name, op);
        }
      }
    }
    if (scopedOperators.has(op)) {
      walk(args[0], factScope, depth + 1);
      walk(args[1], false, depth + 1);
      walk(args.slice(2), factScope, depth + 1);
      return;
    }
    walk(args, factScope, depth + 1);
  };
  walk(condition, true, 0);
  return problems;
}

/**
 * Why a condition cannot be saved: it must be a JSONLogic expression (an object with one operator)
 * or a boolean, use only supported operators, read only known facts, and evaluate without throwing
 * on every example.
 */
export function conditionErrors(condition: unknown, facts: FactCatalog): string[] {
  if (typeof condition !== 'boolean' && !jsonLogic.is_logic(condition)) {
    return ['must be a JSONLogic expression (an object with exactly one operator) or a boolean'];
  }
  const problems = conditionProblems(condition, facts);
  if (problems.length > 0) {
    return problems;
  }
  for (const example of facts.examples) {
    try {
      jsonLogic.apply(asLogic(condition), example);
    } catch (err) {
      return [`fails when applied to order facts: ${err instanceof Error ? err.message : String(err)}`];
    }
  }
  return [];
}
