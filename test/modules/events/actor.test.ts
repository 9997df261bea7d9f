import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { postOrder } from '../../helpers/orders.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const actorsOf = async (resourceId: string) =>
  (
    await t.pool.query('SELECT type, actor FROM events WHERE resource_id = $1 ORDER BY sequence', [
      resourceId,
    ])
  ).rows as Array<{ type: string; actor: Record<string, unknown> }>;

describe('who caused an event', () => {
  it('records the API key and the request for what a request did, and the worker for what a worker did', async () => {
    const channel = (await makeChannel(t)).code;
    const location = (await makeLocation(t)).code;
    const sku = await stocked(t, { [location]: 5 });
    const key = await t.keyWith(['orders:write', 'orders:read'], channel);
    const { rows } = await t.pool.query(
      "SELECT id, name FROM api_keys WHERE name LIKE 'test orders:write%' ORDER BY created_at DESC LIMIT 1",
    );
    const res = await postOrder(t, orderBody(channel, [{ sku, quantity: 1 }]), {
      key,
      headers: { 'x-request-id': 'req-actor-1' },
    });
    expect(res.statusCode, res.body).toBe(201);
    await t.app.services.releaser.idle();

    const events = await actorsOf(res.json().id);
    const byKey = { type: 'api_key', id: rows[0].id, name: rows[0].name, request_id: 'req-actor-1' };
    expect(events.find((e) => e.type === 'order.created')?.actor).toEqual(byKey);
    expect(events.find((e) => e.type === 'order.allocated')?.actor).toEqual(byKey);
    // The release worker, nudged by that request, acts as itself.
    expect(events.find((e) => e.type === 'order.released')?.actor).toEqual({
      type: 'system',
      id: null,
      name: 'release',
      request_id: null,
    });
  });
});
