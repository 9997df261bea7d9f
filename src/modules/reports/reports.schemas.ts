import Type, { type Static, type TObject, type TSchema } from 'typebox';
import { Timestamp } from '../../http/fields.js';

/** The reports, by the name their URL takes. */
export const reportNames = ['orders', 'fulfillment', 'backlog', 'inventory', 'returns', 'holds'] as const;
export type ReportName = (typeof reportNames)[number];

/** The longest window a report covers, in days (`from` and `to` included). */
export const maxReportDays = 400;
/** The window when neither `from` nor `to` is given: the last 30 days, today included. */
export const defaultReportDays = 30;

const Day = (description: string) => Type.String({ format: 'date', description, examples: ['2026-11-01'] });

const commonQuery = {
  from: Type.Optional(
    Day('First day of the window (inclusive), in `time_zone`; default: 29 days before `to` (30 days in all)'),
  ),
  to: Type.Optional(Day('Last day of the window (inclusive), in `time_zone`; default: today there')),
  time_zone: Type.String({
    default: 'UTC',
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$',
    description:
      'IANA time zone the days are counted in (`America/New_York`): a day runs from its midnight to the next there',
    examples: ['America/New_York'],
  }),
  channel: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'Only this channel’s orders (its code). A channel-bound key always sees only its own channel: naming another is a 404',
      examples: ['web'],
    }),
  ),
  location: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Only what this location (its code) ships, holds or stocks; each report says how',
      examples: ['NJ-DC'],
    }),
  ),
};

/** The query a report takes: the window, the filters and, for CSV, which of its tables. */
export function reportQuery<T extends readonly [string, ...string[]]>(tables: T) {
  return Type.Object({
    ...commonQuery,
    table: Type.Optional(
      Type.Enum(tables, {
        description: `CSV only: which of the report’s tables to answer (default \`${tables[0]}\`); JSON answers carry every table`,
      }),
    ),
  });
}

export interface ReportQuery {
  from?: string;
  to?: string;
  time_zone: string;
  channel?: string;
  location?: string;
  table?: string;
}

export const ReportFiltersSchema = Type.Object(
  {
    from: Type.String({ format: 'date' }),
    to: Type.String({ format: 'date' }),
    time_zone: Type.String(),
    channel: Type.Union([Type.String(), Type.Null()]),
    location: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'The window and filters the report was computed for (defaults filled in)' },
);
export type ReportFilters = Static<typeof ReportFiltersSchema>;

/** Numbers the reports share. */
export const Num = {
  count: (description: string) => Type.Integer({ minimum: 0, description }),
  money: (description: string) =>
    Type.Integer({ description: `${description}, in minor units of the row's currency` }),
  hours: (description: string) =>
    Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: `${description}, in hours (2 decimals); null when there is nothing to measure`,
    }),
  rate: (description: string) =>
    Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: `${description}: a fraction (4 decimals); null when the denominator is 0`,
    }),
  currency: Type.String({
    pattern: '^[A-Z]{3}$',
    description: 'ISO 4217 code: amounts never mix currencies',
  }),
  day: Type.String({ format: 'date', description: 'The day, in the report’s time zone' }),
};

/**
 * A report's answer: its name, when it was computed, the filters, then its tables (arrays of rows,
 * in the order CSV's `table` lists them).
 */
export function reportSchema<T extends Record<string, TObject>>(
  name: ReportName,
  tables: T,
  options: { description: string; example: Record<string, unknown> },
) {
  const arrays = Object.fromEntries(
    Object.entries(tables).map(([table, row]) => [
      table,
      Type.Array(row, { description: (row as { description?: string }).description }),
    ]),
  ) as { [K in keyof T]: ReturnType<typeof Type.Array<T[K]>> };
  return Type.Object(
    {
      report: Type.Literal(name),
      generated_at: {
        ...Timestamp,
        description: 'When the report was computed (snapshot reports: as of then)',
      },
      filters: ReportFiltersSchema,
      ...arrays,
    },
    {
      title: `${name[0]?.toUpperCase()}${name.slice(1)}Report`,
      description: options.description,
      examples: [options.example],
    },
  );
}

/** The CSV columns of each table: the row schema's properties, in order. */
export function tableColumns(tables: Record<string, TSchema>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(tables).map(([table, row]) => [table, Object.keys((row as TObject).properties)]),
  );
}
