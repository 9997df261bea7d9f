import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.js';
import { waitFor } from '../../helpers/wait.js';

/** Shared steps of the notification tests. */

export interface Requested {
  notification_id: string;
  template: string;
  template_id: string;
  locale: string;
  channel: string;
  delivery: string;
  order_id: string;
  order_number: number;
  recipient: { email: string; name: string | null };
  status_link: string | null;
  data: Record<string, unknown>;
}

/**
 * What the notifications worker does on a pass, once every event committed so far is numbered (as
 * test/helpers/sequencer.ts does, but usable in hooks too).
 */
export async function notifyPass(t: TestApp): Promise<number> {
  await waitFor(
    async () => {
      await t.app.services.events.sequence();
      const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM events WHERE position IS NULL');
      return rows[0].n === 0;
    },
    { what: 'every event to be numbered', timeoutMs: 15_000, intervalMs: 50 },
  );
  return t.app.services.notifications.requestMilestones();
}

/** The `notification.requested` events of an order, oldest first. */
export async function requestedFor(t: TestApp, orderId: string): Promise<Requested[]> {
  const { rows } = await t.pool.query(
    `SELECT data FROM events WHERE type = 'notification.requested' AND data->>'order_id' = $1 ORDER BY sequence`,
    [orderId],
  );
  return rows.map((row) => row.data);
}

/** The templates of an order's `notification.requested` events, oldest first. */
export const templatesFor = async (t: TestApp, orderId: string) =>
  (await requestedFor(t, orderId)).map((r) => r.template);

/** The order's working status link, as the tracking module hands it out. */
export async function statusLinkOf(t: TestApp, orderId: string): Promise<string> {
  const link = (await t.app.services.statusLinks.linksFor(t.db, [orderId])).get(orderId);
  expect(link).toBeDefined();
  return link?.url as string;
}

const post = (t: TestApp, url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });

/** Packs (supervisor override) and ships a shipment, asserting each step. */
export async function ship(t: TestApp, shipmentId: string, payload: object = {}) {
  const packed = await post(t, `/v1/shipments/${shipmentId}/pack`, { override: { reason: 'test' } });
  expect(packed.statusCode, packed.body).toBe(200);
  const shipped = await post(t, `/v1/shipments/${shipmentId}/ship`, payload);
  expect(shipped.statusCode, shipped.body).toBe(200);
  return shipped.json();
}

/** A carrier status update of a shipment, asserting the 200. */
export async function track(t: TestApp, shipmentId: string, status: string) {
  const res = await post(t, `/v1/shipments/${shipmentId}/tracking`, { status });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
