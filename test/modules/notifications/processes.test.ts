import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { faultConfig, type OrdoUnderTest, startOrdo } from '../../helpers/ordo-process.js';
import { waitFor } from '../../helpers/wait.js';
import { type SmtpPeer, startSmtpPeer } from './smtp-peer.js';

// Two real Ordo processes on one database, their `notifications` and `notification-sender` workers
// running every 50 ms: every order captured is confirmed to its customer by exactly one event and one
// e-mail, whichever process read the feed or claimed the e-mail.
let t: TestApp;
let peer: SmtpPeer;
const processes: OrdoUnderTest[] = [];

beforeAll(async () => {
  t = await createTestApp({ config: faultConfig() });
  peer = await startSmtpPeer();
}, 60_000);

afterAll(async () => {
  for (const ordo of processes) {
    await ordo.close();
  }
  await peer?.close();
  await t?.close();
});

describe('two Ordo processes', () => {
  it('request and e-mail each confirmation once', { timeout: 120_000 }, async () => {
    const channel = (await makeChannel(t)).code;
    const location = (await makeLocation(t)).code;
    await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
    const settings = await t.request({
      method: 'PUT',
      url: `/v1/channels/${channel}/notifications`,
      payload: {
        delivery: 'smtp',
        from: 'orders@shop.example',
        smtp: { host: '127.0.0.1', port: peer.port },
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const env = { ORDO_NOTIFICATIONS_INTERVAL_MS: '50', ORDO_WEBHOOK_ALLOW_PRIVATE: 'true' };
    processes.push(...(await Promise.all([startOrdo(t.url, env), startOrdo(t.url, env)])));

    const sku = await stocked(t, { [location]: 100 });
    const emails: string[] = [];
    for (let i = 0; i < 10; i++) {
      const email = `${uniq(`proc${i}`)}@example.com`;
      await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { customer: { email } }));
      emails.push(email);
    }
    const received = () => emails.filter((email) => peer.mails.some((mail) => mail.to.includes(email)));
    await waitFor(() => received().length === emails.length, {
      what: 'a confirmation e-mail to every customer',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    for (const email of emails) {
      expect(
        peer.mails.filter((mail) => mail.to.includes(email)),
        email,
      ).toHaveLength(1);
    }
    const { rows } = await t.pool.query(
      `SELECT data->>'order_id' AS order_id, count(*)::int AS n FROM events
        WHERE type = 'notification.requested' GROUP BY 1 HAVING count(*) > 1`,
    );
    expect(rows).toEqual([]);
    expect(processes.every((ordo) => ordo.alive())).toBe(true);
    expect(processes.flatMap((ordo) => ordo.logged('worker run failed'))).toEqual([]);
  });
});
