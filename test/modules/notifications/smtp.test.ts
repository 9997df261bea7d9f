import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationView } from '../../../src/modules/notifications/notifications.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder, captureReleased, shipmentsOf } from '../../helpers/orders.js';
import { settled, waitFor } from '../../helpers/wait.js';
import { notifyPass, ship, statusLinkOf } from './notify.js';
import { type SmtpPeer, startSilentPeer, startSmtpPeer } from './smtp-peer.js';

/**
 * Ordo e-mailing customers itself over a channel's SMTP server, against real local SMTP servers: the
 * channel's template in the customer's locale, retries with backoff for a failing or hanging server,
 * and an order flow that never waits on it.
 */

const clock = testClock('2026-11-23T15:00:00Z');
let t: TestApp;
let peer: SmtpPeer;
let location: string;

beforeAll(async () => {
  t = await createTestApp({
    clock,
    config: { smtpTimeoutMs: 1500, notificationRetrySchedule: [60, 300, 1800] },
  });
  location = (await makeLocation(t)).code;
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
  peer = await startSmtpPeer();
});
afterAll(async () => {
  await peer.close();
  await t.close();
});
beforeEach(() => {
  clock.reset();
  peer.refuse(null);
});

const put = (url: string, payload: object) => t.request({ method: 'PUT', url, payload });

/** A channel whose notifications go out over `port`, signed in as `orders`. */
async function smtpChannel(port: number, fields: Record<string, unknown> = {}) {
  const code = (await makeChannel(t)).code;
  const res = await put(`/v1/channels/${code}/notifications`, {
    delivery: 'smtp',
    from: 'orders@shop.example',
    from_name: 'Example Shop',
    reply_to: 'help@shop.example',
    smtp: { host: '127.0.0.1', port, user: 'orders', password: 'p4ss-w0rd' },
    ...fields,
  });
  expect(res.statusCode, res.body).toBe(200);
  return code;
}

const product = () => stocked(t, { [location]: 100 });
const notificationsOf = async (orderId: string) => {
  const res = await t.request({ method: 'GET', url: `/v1/notifications?order_id=${orderId}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as NotificationView[];
};
const mailsTo = (email: string) => peer.mails.filter((mail) => mail.to.includes(email));

describe('e-mail over the channel’s SMTP server', () => {
  it('sends the channel’s template in the customer’s locale, from the channel, with the status link', async () => {
    const channel = await smtpChannel(peer.port);
    const template = await put(`/v1/channels/${channel}/notification-templates/order_confirmed/fr`, {
      subject: 'Commande {{order_number}} confirmée',
      text: 'Bonjour {{customer_name}},\nMerci ! {{items}}\nTotal : {{total}}\nSuivi : {{status_link}}',
      html: '<p>Bonjour {{customer_name}}</p><p><a href="{{status_link}}">Suivre</a></p>',
    });
    expect(template.statusCode, template.body).toBe(200);
    const email = `${uniq('zoe')}@example.com`;
    const sku = await product();
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], {
        customer: { email, name: 'Zoë & <Co>', locale: 'fr-CA' },
      }),
    );
    await notifyPass(t);
    expect(await t.app.services.notifications.sendDue()).toBe(1);

    const [mail, ...more] = mailsTo(email);
    expect(more).toEqual([]);
    const link = await statusLinkOf(t, order.id);
    expect(mail?.from).toBe('orders@shop.example');
    expect(mail?.headers.from).toBe('Example Shop <orders@shop.example>');
    expect(mail?.headers.to).toContain(email);
    expect(mail?.headers['reply-to']).toBe('help@shop.example');
    expect(mail?.subject).toBe(`Commande ${order.number} confirmée`);
    expect(mail?.text).toContain('Bonjour Zoë & <Co>,');
    expect(mail?.text).toContain(`Suivi : ${link}`);
    expect(mail?.text).toMatch(/Total : 15,00\s\$\sUS/);
    // Values are escaped in HTML: the customer's name cannot inject markup.
    expect(mail?.html).toContain('Bonjour Zoë &amp; &lt;Co&gt;');
    expect(mail?.html).toContain(`<a href="${link.replaceAll('&', '&amp;')}">`);
    expect(peer.logins).toContainEqual({ user: 'orders', password: 'p4ss-w0rd' });

    const [sent] = await notificationsOf(order.id);
    expect(sent).toMatchObject({
      template: 'order_confirmed',
      locale: 'fr-CA',
      delivery: 'smtp',
      status: 'sent',
      attempts: 1,
      last_error: null,
      message_id: expect.stringMatching(/^<.+@.+>$/),
      sent_at: clock.now().toISOString(),
    });
    expect(mail?.headers['message-id']).toBe(sent?.message_id);
    const events = await t.pool.query(
      `SELECT type, data FROM events WHERE resource_type = 'order' AND data->>'notification_id' = $1 ORDER BY sequence`,
      [sent?.id],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['notification.requested', 'notification.sent']);
    expect(events.rows[1].data).toMatchObject({
      notification_id: sent?.id,
      attempts: 1,
      message_id: sent?.message_id,
    });

    // Nothing is sent twice.
    expect(await t.app.services.notifications.sendDue()).toBe(0);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('falls back to the built-in English wording where the channel has none for the locale', async () => {
    const channel = await smtpChannel(peer.port, { default_locale: 'en' });
    const email = `${uniq('hans')}@example.com`;
    const sku = await product();
    const order = await captureReleased(
      t,
      orderBody(channel, [{ sku, quantity: 2 }], { customer: { email, name: 'Hans', locale: 'de-AT' } }),
    );
    const [shipment] = await shipmentsOf(t, order.id);
    const shipped = await ship(t, shipment?.id as string);
    await notifyPass(t);
    expect(await t.app.services.notifications.sendDue()).toBe(2);
    const subjects = mailsTo(email).map((mail) => mail.subject);
    expect(subjects.sort()).toEqual([
      `Order ${order.number} has shipped`,
      `Order ${order.number} is confirmed`,
    ]);
    const shippedMail = mailsTo(email).find((mail) => mail.subject.includes('shipped'));
    expect(shippedMail?.text).toContain(`tracking number ${shipped.tracking_number}`);
    expect(shippedMail?.text).toContain(await statusLinkOf(t, order.id));
  });
});

describe('TLS', () => {
  it('upgrades with STARTTLS when offered, and verifies the certificate only when TLS is required', async () => {
    // smtp-server's own self-signed certificate: fine for opportunistic STARTTLS, not for required TLS.
    const tlsPeer = await startSmtpPeer({ disabledCommands: [] });
    try {
      const channel = await smtpChannel(tlsPeer.port);
      const email = `${uniq('tls')}@example.com`;
      const sku = await product();
      const order = await captureOrder(
        t,
        orderBody(channel, [{ sku, quantity: 1 }], { customer: { email } }),
      );
      const strict = await smtpChannel(tlsPeer.port, {
        smtp: { host: '127.0.0.1', port: tlsPeer.port, require_tls: true },
      });
      const refused = await captureOrder(t, orderBody(strict, [{ sku, quantity: 1 }]));
      await notifyPass(t);
      expect(await t.app.services.notifications.run()).toEqual({ requested: 0, sent: 2 });
      expect(tlsPeer.mails.map((mail) => mail.to)).toEqual([[email]]);
      expect(tlsPeer.mails[0]?.subject).toBe(`Order ${order.number} is confirmed`);
      const [failed] = await notificationsOf(refused.id);
      expect(failed).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error: expect.stringMatching(/cert/i),
      });
    } finally {
      await tlsPeer.close();
    }
  });
});

describe('a failing SMTP server', () => {
  it('is retried with backoff while the order goes on, then given up on with notification.failed', async () => {
    const channel = await smtpChannel(peer.port);
    const email = `${uniq('retry')}@example.com`;
    peer.refuse({ code: 451, message: 'Try again later' });
    const sku = await product();
    const order = await captureReleased(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { customer: { email } }),
    );
    await notifyPass(t);
    expect(await t.app.services.notifications.sendDue()).toBe(1);
    let [notification] = await notificationsOf(order.id);
    expect(notification).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: expect.stringMatching(/451/),
    });
    const wait = Date.parse(notification?.next_attempt_at ?? '') - clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(48_000);
    expect(wait).toBeLessThanOrEqual(72_000);

    // The order goes on meanwhile: it ships, and its next milestone is requested.
    const [shipment] = await shipmentsOf(t, order.id);
    await ship(t, shipment?.id as string);
    await notifyPass(t);
    // The first e-mail is not due again yet: it is not attempted (the shipped one is, for the first time).
    await t.app.services.notifications.sendDue();
    const firstAttempts = await t.pool.query(`SELECT attempts FROM notifications WHERE id = $1`, [
      notification?.id,
    ]);
    expect(firstAttempts.rows[0].attempts).toBe(1);

    peer.refuse({ code: 550, message: 'Mailbox unavailable' });
    for (const [delay, attempts] of [
      [73_000, 2],
      [361_000, 3],
    ] as const) {
      clock.advance(delay);
      await t.app.services.notifications.sendDue();
      [notification] = (await notificationsOf(order.id)).filter((n) => n.template === 'order_confirmed');
      expect(notification).toMatchObject({
        status: 'pending',
        attempts,
        last_error: expect.stringMatching(/550/),
      });
    }
    clock.advance(2_161_000);
    await t.app.services.notifications.sendDue();
    [notification] = (await notificationsOf(order.id)).filter((n) => n.template === 'order_confirmed');
    expect(notification).toMatchObject({ status: 'failed', attempts: 4, next_attempt_at: null });
    const failed = await t.pool.query(
      `SELECT data FROM events WHERE type = 'notification.failed' AND resource_id = $1 AND data->>'notification_id' = $2`,
      [order.id, notification?.id],
    );
    expect(failed.rows).toEqual([
      {
        data: expect.objectContaining({
          notification_id: notification?.id,
          order_id: order.id,
          attempts: 4,
          last_error: expect.stringMatching(/550/),
        }),
      },
    ]);
    // An operator can see it, and send it again once the server is fixed.
    const listed = await t.request({
      method: 'GET',
      url: `/v1/notifications?status=failed&order_id=${order.id}`,
    });
    // Both of the order's e-mails (confirmed, then shipped) met the same server.
    const failures = listed
      .json()
      .data.map((n: { template: string; status: string }) => [n.template, n.status]);
    expect(failures.sort()).toEqual([
      ['order_confirmed', 'failed'],
      ['order_shipped', 'failed'],
    ]);
    peer.refuse(null);
    const retried = await t.request({ method: 'POST', url: `/v1/notifications/${notification?.id}/retry` });
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({ status: 'pending', attempts: 0 });
    await t.app.services.notifications.sendDue();
    expect(mailsTo(email).map((m) => m.subject)).toContain(`Order ${order.number} is confirmed`);
    expect(
      (await t.request({ method: 'GET', url: `/v1/notifications/${notification?.id}` })).json(),
    ).toMatchObject({
      status: 'sent',
    });
    const again = await t.request({ method: 'POST', url: `/v1/notifications/${notification?.id}/retry` });
    expect(again.statusCode).toBe(409);
  });

  it('never holds the order flow up while a server hangs; the hung attempt times out and is retried', async () => {
    const silent = await startSilentPeer();
    try {
      const channel = await smtpChannel(silent.port);
      const sku = await product();
      const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
      await notifyPass(t);
      const sending = t.app.services.notifications.sendDue();
      const done = settled(sending);
      await waitFor(() => silent.connections() > 0, { what: 'the connection to the silent server' });
      // While the server hangs, orders are captured, shipped and their milestones requested.
      const next = await captureReleased(t, orderBody(channel, [{ sku, quantity: 1 }]));
      const [shipment] = await shipmentsOf(t, next.id);
      await ship(t, shipment?.id as string);
      await notifyPass(t);
      expect(done()).toBe(false);
      await sending;
      const [notification] = await notificationsOf(order.id);
      expect(notification).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error: expect.stringMatching(/time|greeting/i),
      });
    } finally {
      await silent.close();
    }
  });
});

describe('replicas', () => {
  it('send each e-mail once when two senders run at once', async () => {
    const replica = await createTestApp({ clock, database: { url: t.url, drop: async () => {} } });
    try {
      const channel = await smtpChannel(peer.port);
      const sku = await product();
      const emails = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const email = `${uniq(`race${i}`)}@example.com`;
          await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { customer: { email } }));
          return email;
        }),
      );
      await notifyPass(t);
      await Promise.all([
        t.app.services.notifications.sendDue(),
        replica.app.services.notifications.sendDue(),
        t.app.services.notifications.sendDue(),
      ]);
      for (const email of emails) {
        expect(mailsTo(email), email).toHaveLength(1);
      }
    } finally {
      await replica.close();
    }
  });
});
