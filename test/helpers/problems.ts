import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Problem } from '../../src/http/problem.js';

/**
 * Asserts an RFC 9457 problem and returns its body: the status, the problem+json content type, exactly
 * the documented fields (`type` and `code` agreeing, `title`, `status`, `detail`, `instance`, the
 * response's `request_id`, and `errors` only when there are field errors), each field error as
 * `{ in, pointer, detail }`, and nothing in it that looks like a stack trace or SQL.
 * `code`: the expected problem code (any code when omitted). `instance`: the path the problem names,
 * by default any path under /v1/.
 */
export function expectProblem(
  res: LightMyRequestResponse,
  status: number,
  code?: string,
  options: { instance?: string | RegExp } = {},
): Problem {
  expect(res.statusCode, res.body.slice(0, 2000)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Problem;
  const instance = options.instance ?? /^\/v1\//;
  expect(body).toEqual({
    type:
      code === undefined
        ? expect.stringMatching(/^https:\/\/ordo\.dev\/problems\/[a-z_]+$/)
        : `https://ordo.dev/problems/${code}`,
    title: expect.any(String),
    status,
    detail: expect.any(String),
    instance: typeof instance === 'string' ? instance : expect.stringMatching(instance),
    code: code ?? expect.any(String),
    request_id: res.headers['x-request-id'],
    ...(body.errors === undefined ? {} : { errors: expect.any(Array) }),
  });
  expect(body.type).toBe(`https://ordo.dev/problems/${body.code}`);
  for (const error of body.errors ?? []) {
    expect(error).toEqual({
      in: expect.stringMatching(/^(body|query|params|headers)$/),
      pointer: expect.any(String),
      detail: expect.any(String),
    });
  }
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+|SELECT|INSERT/);
  return body;
}

/**
 * A 422 `validation_failed` problem (see expectProblem) whose field errors name these pointers, all in
 * `part`: at least these, or with `only` exactly these (in any order).
 */
export function expectInvalid(
  res: LightMyRequestResponse,
  pointers: string[],
  part: 'body' | 'query' | 'params' | 'headers' = 'body',
  options: { only?: boolean } = {},
): Problem {
  const body = expectProblem(res, 422, 'validation_failed');
  expect(body.errors?.length).toBeGreaterThan(0);
  const named = (body.errors ?? []).map((e) => `${e.in}:${e.pointer}`);
  const expected = pointers.map((p) => `${part}:${p}`);
  if (options.only) {
    expect([...named].sort()).toEqual([...expected].sort());
  } else {
    expect(named).toEqual(expect.arrayContaining(expected));
  }
  return body;
}
