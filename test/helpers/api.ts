import { expect } from 'vitest';
import type { Page } from '../../src/http/pagination.js';
import type { TestApp } from './app.js';

/** A timestamp as the API writes it: ISO 8601 in UTC with milliseconds. */
export const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

/**
 * Every item of a cursor-paginated list (`path`, e.g. `/v1/channels`) matching `query`, following
 * `next_cursor` page by page. Asserts that every page answers 200 and that every page but the last
 * is full (`limit` items).
 */
export async function listAll<T>(t: TestApp, path: string, query = '', limit = 100): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const url: string = `${path}?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.request({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as Page<T>;
    expect(page.data.length).toBeLessThanOrEqual(limit);
    items.push(...page.data);
    cursor = page.next_cursor;
    if (cursor === null) {
      return items;
    }
    expect(page.data.length).toBe(limit);
  }
  throw new Error(`the list ${path}?${query} never ended`);
}
