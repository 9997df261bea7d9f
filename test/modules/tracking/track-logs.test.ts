import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggableUrl } from '../../../src/http/request-log.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { linkOf } from './helpers.js';

/** A status link's token opens an order to whoever holds it: Ordo's logs never carry it. */

let t: TestApp;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ log: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }) });
});
afterAll(() => t.close());

describe('request log lines', () => {
  it('name the tracking paths without the token', async () => {
    const channel = (await makeChannel(t)).code;
    const location = (await makeLocation(t)).code;
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const { token } = await linkOf(t, order.id);
    for (const url of [
      `/v1/track/${token}`,
      `/track/${token}`,
      `/v1/track/${token}?x=1`,
      `/track/${token}/x`,
    ]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBeLessThan(500);
    }
    await t.app.inject({
      method: 'POST',
      url: '/v1/track/lookup',
      payload: { order_number: 1, email: 'a@b.c' },
    });
    const logged = lines.join('\n');
    expect(logged).toContain('"url":"/v1/track/…"');
    expect(logged).toContain('"url":"/track/…"');
    expect(logged).toContain('"url":"/v1/track/lookup"');
    expect(logged).not.toContain(token);
  });

  it('leave every other URL as it is', () => {
    expect(loggableUrl('/v1/orders/100001?x=1')).toBe('/v1/orders/100001?x=1');
    expect(loggableUrl('/v1/track/lookup')).toBe('/v1/track/lookup');
    expect(loggableUrl('/v1/track/abc?x=1')).toBe('/v1/track/…?x=1');
    expect(loggableUrl('/v1/tracking/abc')).toBe('/v1/tracking/abc');
  });
});
