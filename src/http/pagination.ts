import type { FastifyInstance } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Most items one page of this list holds, whatever `limit` asks: for resources whose items are
     * large (an order with its lines), so one request's work stays bounded. Follow `next_cursor`.
     */
    maxPageItems?: number;
  }
}

/** The page cap of lists whose items carry their lines (orders, shipments, returns). */
export const heavyPageItems = 100;

/** Applies each route's `maxPageItems` to the validated `limit`, before the handler reads it. */
export function registerPageCaps(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const cap = request.routeOptions.config.maxPageItems;
    const query = request.query as { limit?: unknown } | undefined;
    if (cap !== undefined && query && typeof query.limit === 'number' && query.limit > cap) {
      query.limit = cap;
    }
  });
}

/** Query fields every list accepts; spread into the list's own query schema. */
export const pageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page' }),
  cursor: Type.Optional(
    Type.String({ maxLength: 512, description: 'The `next_cursor` of the previous page; opaque' }),
  ),
};

export const Page = <T extends TSchema>(item: T) => {
  const itemExamples = (item as { examples?: unknown[] }).examples;
  return Type.Object(
    {
      data: Type.Array(item),
      next_cursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` for the next page; null on the last page',
      }),
    },
    itemExamples ? { examples: [{ data: itemExamples.slice(0, 1), next_cursor: 'WzQyXQ' }] } : {},
  );
};

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** A keyset position: the sort values of the last row served. */
type Position = Array<string | number>;

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  shape: readonly ('string' | 'number')[],
): Position | undefined {
  if (cursor === undefined) {
    return undefined;
  }
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(position) &&
      position.length === shape.length &&
      position.every(
        (value, i) => typeof value === shape[i] && (typeof value !== 'number' || Number.isSafeInteger(value)),
      )
    ) {
      return position;
    }
  } catch {
    // falls through to the problem below
  }
  throw new AppError('validation_failed', 'The cursor is not one this list handed out', {
    errors: [{ in: 'query', pointer: '/cursor', detail: 'is not a valid cursor' }],
  });
}

/** Turns `limit + 1` fetched rows into a page, with a cursor when more rows exist. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  positionOf: (row: Row) => Position,
  present: (row: Row) => Item,
): Page<Item> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(present),
    next_cursor: more && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}

/**
 * The page's rows with the state each id loads to, in the rows' order: a list query pages over narrow
 * rows (id and position), then loads the whole states of just that page. A row whose state is gone
 * (deleted in between) is left out.
 */
export async function withStates<Row extends { id: string }, State>(
  rows: Row[],
  load: (ids: string[]) => Promise<State[]>,
  idOf: (state: State) => string,
): Promise<Array<Row & { state: State }>> {
  const states = new Map((await load(rows.map((row) => row.id))).map((state) => [idOf(state), state]));
  return rows.flatMap((row) => {
    const state = states.get(row.id);
    return state ? [{ ...row, state }] : [];
  });
}
