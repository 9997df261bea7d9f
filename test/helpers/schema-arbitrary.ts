import fc from 'fast-check';
import type { Schema } from './openapi.js';

/**
 * fast-check arbitraries from the request schemas of the OpenAPI document: values that satisfy a
 * schema (so requests get past validation into the handlers), and hostile ones: wrong types, huge
 * and odd strings, numbers JavaScript and PostgreSQL cannot hold, missing and unknown fields.
 */

/** Values that break assumptions: overflowing numbers, odd and huge strings, wrong shapes. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    -1,
    1.5,
    -0.000001,
    1e308,
    -1e308,
    1e16,
    2 ** 31,
    2 ** 63,
    '',
    ' ',
    '1e999',
    '9999999999999999',
    'NaN',
    'Infinity',
    'a\u0000b',
    '\u202e\u0301🙂',
    '\ud800',
    "'; DROP TABLE orders; --",
    '../../etc/passwd',
    '%00',
    'x'.repeat(70_000),
    [],
    [null],
    {},
    { $gt: '' },
    Array.from({ length: 2000 }, (_, i) => i),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Strings for path and query parameters that are not what the route expects. */
export const hostileParam: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e999',
    '9999999999999999',
    '99999999999999999999999999',
    '0x10',
    'NaN',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    '*',
    '..',
    '../..',
    ' ',
    '\u0000',
    'a\u0000b',
    '🙂',
    '\ud800',
    "' OR 1=1 --",
    '00000000-0000-0000-0000-000000000000',
    'x'.repeat(600),
    '9'.repeat(400),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 24, minLength + 24);
  switch (schema.format) {
    case 'date-time':
      return isoDate;
    case 'date':
      return isoDate.map((iso) => iso.slice(0, 10));
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.webUrl();
    case 'uuid':
      return fc.uuid();
  }
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY));
    } catch {
      // a pattern fast-check cannot generate from: any string (mostly invalid, which is fine)
    }
  }
  return fc.string({ minLength, maxLength });
}

function numberOf(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const low =
    schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : schema.minimum;
  const min = Math.max(low ?? -1000, -1e12);
  const max = Math.min(schema.maximum ?? schema.exclusiveMaximum ?? min + 1000, 1e12);
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(Math.max(min, max)) })
    : fc.double({ min, max: Math.max(min, max), noNaN: true, noDefaultInfinity: true });
}

/** Real values for fields by name (`sku`, `channel`…), so generated requests reach past lookups. */
export type Hints = Record<string, unknown[]>;

function objectOf(schema: Schema, depth: number, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    });
  }
  const model = Object.fromEntries(
    names.map((name) => {
      const generated = valid(properties[name] as Schema, depth + 1, hints);
      const real = hints[name];
      return [
        name,
        real ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...real) }, generated) : generated,
      ];
    }),
  );
  // Deep optional fields are left out more often than not, so bodies stay small.
  return fc.record(model, { requiredKeys: schema.required ?? [] }).filter((value) => {
    const count = Object.keys(value).length;
    return (
      count >= (schema.minProperties ?? 0) && count <= (schema.maxProperties ?? Number.POSITIVE_INFINITY)
    );
  });
}

/**
 * Values that satisfy `schema` (as far as generation can tell: formats and patterns mostly hold);
 * fields named in `hints` mostly take one of the real values given there.
 */
export function valid(schema: Schema, depth = 0, hints: Hints = {}): fc.Arbitrary<unknown> {
  if (schema.enum) {
    return fc.constantFrom(...schema.enum);
  }
  if (schema.const !== undefined) {
    return fc.constant(schema.const);
  }
  if (schema.anyOf) {
    return fc.oneof(...schema.anyOf.map((option) => valid(option, depth, hints)));
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return numberOf(schema, true);
    case 'number':
      return numberOf(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? 3, minLength + (depth > 2 ? 1 : 3));
      const items = valid(schema.items ?? {}, depth + 1, hints);
      return schema.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object':
      return objectOf(schema, depth, hints);
    default:
      return schema.properties ? objectOf(schema, depth, hints) : fc.jsonValue({ maxDepth: 1 });
  }
}

type Container = Record<string, unknown> | unknown[];

/** Every object and array inside `value` (itself included), outermost first. */
function containers(value: unknown, found: Container[] = []): Container[] {
  if (value !== null && typeof value === 'object') {
    found.push(value as Container);
    for (const child of Object.values(value)) {
      containers(child, found);
    }
  }
  return found;
}

/** One way to spoil a valid value, applied at the `at`-th container inside it. */
export type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'drop'; at: number }
  | { kind: 'extra'; at: number; name: string; value: unknown };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extra' as const),
    at: fc.nat(),
    name: fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'channel', ''),
    value: hostileValue,
  }),
);

/** A copy of `value` with the mutation applied (the whole value replaced when it has no containers). */
export function mutate(value: unknown, change: Mutation): unknown {
  const copy = structuredClone(value);
  const all = containers(copy);
  const target = all[change.at % Math.max(1, all.length)];
  if (target === undefined) {
    return change.kind === 'replace' ? change.value : copy;
  }
  const keys = Object.keys(target);
  const key = keys[change.at % Math.max(1, keys.length)];
  if (change.kind === 'extra' && !Array.isArray(target)) {
    Object.defineProperty(target, change.name, { value: change.value, enumerable: true, writable: true });
  } else if (change.kind === 'drop' && key !== undefined) {
    if (Array.isArray(target)) {
      target.splice(Number(key), 1);
    } else {
      delete target[key];
    }
  } else if (key !== undefined) {
    (target as Record<string, unknown>)[key] = change.kind === 'replace' ? change.value : null;
  }
  return copy;
}
