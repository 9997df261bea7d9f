import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.js';

/** A status link as the merchant routes answer it. */
export interface Link {
  token: string;
  url: string;
  expires_at: string | null;
  revoked: boolean;
}

/** GET /v1/orders/{id}/status-link with the admin key, asserting the 200. */
export async function linkOf(t: TestApp, orderId: string): Promise<Link> {
  const res = await t.request({ method: 'GET', url: `/v1/orders/${orderId}/status-link` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** GET /v1/track/{token} with no key, from `ip` (default 127.0.0.1). */
export const track = (t: TestApp, token: string, ip?: string) =>
  t.app.inject({ method: 'GET', url: `/v1/track/${token}`, ...(ip ? { remoteAddress: ip } : {}) });

/** POST /v1/track/lookup with no key, from `ip`. */
export const lookup = (t: TestApp, payload: object, ip?: string) =>
  t.app.inject({ method: 'POST', url: '/v1/track/lookup', payload, ...(ip ? { remoteAddress: ip } : {}) });

/** The 404 problem every missing order answers, with its request id taken out (the only part that differs). */
export function notFoundBody(res: LightMyRequestResponse): string {
  expect(res.statusCode, res.body).toBe(404);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as { request_id: string };
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return res.body.replace(`"request_id":"${body.request_id}"`, '"request_id":"…"');
}
