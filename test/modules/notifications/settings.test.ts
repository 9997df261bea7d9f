import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { notifyPass, requestedFor } from './notify.js';

/**
 * Channel notification settings and templates, and the notification list, over HTTP: what is stored
 * and served (never the SMTP password), what is refused (422 naming the field), and who may see what.
 * Private SMTP hosts are refused here, as in production by default.
 */

let t: TestApp;
let channel: string;
let other: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ config: { webhookAllowPrivate: false } });
  channel = (await makeChannel(t)).code;
  other = (await makeChannel(t)).code;
  location = (await makeLocation(t, { channels: [channel, other] })).code;
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
});
afterAll(() => t.close());

const settingsUrl = (code: string) => `/v1/channels/${code}/notifications`;
const templateUrl = (code: string, template: string, locale: string) =>
  `/v1/channels/${code}/notification-templates/${template}/${locale}`;
const put = (url: string, payload: object, key?: string | null) =>
  t.request({ method: 'PUT', url, payload, key });
const get = (url: string, key?: string | null) => t.request({ method: 'GET', url, key });

const smtpSettings = {
  delivery: 'smtp',
  from: 'orders@shop.example',
  from_name: 'Example Shop',
  default_locale: 'en-us',
  smtp: { host: '93.184.216.34', port: 587, user: 'orders', password: 'hunter2-secret' },
};

describe('channel notification settings', () => {
  it('serves the defaults until set: only the event, in English', async () => {
    const res = await get(settingsUrl(channel));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      channel,
      delivery: 'event',
      from: null,
      from_name: null,
      reply_to: null,
      default_locale: 'en',
      smtp: null,
      updated_at: null,
    });
  });

  it('stores SMTP settings and never returns the password; left out, it is kept', async () => {
    const code = (await makeChannel(t)).code;
    const res = await put(settingsUrl(code), smtpSettings);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain('hunter2');
    expect(res.json()).toEqual({
      channel: code,
      delivery: 'smtp',
      from: 'orders@shop.example',
      from_name: 'Example Shop',
      reply_to: null,
      default_locale: 'en-US',
      smtp: {
        host: '93.184.216.34',
        port: 587,
        secure: false,
        require_tls: false,
        user: 'orders',
        password_set: true,
      },
      updated_at: expect.any(String),
    });
    const read = await get(settingsUrl(code));
    expect(read.body).not.toContain('hunter2');
    expect(read.json()).toEqual(res.json());

    // A change without the password keeps it (same user).
    const { password: _password, ...smtp } = smtpSettings.smtp;
    const kept = await put(settingsUrl(code), { ...smtpSettings, smtp: { ...smtp, port: 2525 } });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json().smtp).toMatchObject({ port: 2525, password_set: true });
    const { rows } = await t.pool.query(
      `SELECT s.smtp_password FROM notification_settings s JOIN channels c ON c.id = s.channel_id WHERE c.code = $1`,
      [code],
    );
    expect(rows).toEqual([{ smtp_password: 'hunter2-secret' }]);

    // Another user needs its own password; null removes it (with no user).
    expectInvalid(await put(settingsUrl(code), { ...smtpSettings, smtp: { ...smtp, user: 'someone' } }), [
      '/smtp/password',
    ]);
    const cleared = await put(settingsUrl(code), {
      ...smtpSettings,
      smtp: { host: '93.184.216.35', port: 25, password: null },
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().smtp).toMatchObject({ user: null, password_set: false });

    // Back to the event only: the SMTP server is forgotten with its password.
    const back = await put(settingsUrl(code), {});
    expect(back.json()).toMatchObject({ delivery: 'event', smtp: null, from: null, default_locale: 'en' });
  });

  it('takes the server as one smtp:// URL too, and never returns it', async () => {
    const code = (await makeChannel(t)).code;
    const res = await put(settingsUrl(code), {
      ...smtpSettings,
      smtp: { url: 'smtps://mailer%2Bweb:p%40ss%3Aword@93.184.216.34' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toMatch(/p%40ss|p@ss|smtps:/);
    expect(res.json().smtp).toEqual({
      host: '93.184.216.34',
      port: 465,
      secure: true,
      require_tls: false,
      user: 'mailer+web',
      password_set: true,
    });
    const { rows } = await t.pool.query(
      `SELECT s.smtp_password FROM notification_settings s JOIN channels c ON c.id = s.channel_id WHERE c.code = $1`,
      [code],
    );
    expect(rows).toEqual([{ smtp_password: 'p@ss:word' }]);
    const plain = await put(settingsUrl(code), {
      ...smtpSettings,
      smtp: { url: 'smtp://93.184.216.34:2525' },
    });
    expect(plain.json().smtp).toMatchObject({ port: 2525, secure: false, user: null, password_set: false });
    const both = { url: 'smtp://93.184.216.34', host: '93.184.216.34' };
    expectInvalid(await put(settingsUrl(code), { ...smtpSettings, smtp: both }), ['/smtp/url']);
    expectInvalid(await put(settingsUrl(code), { ...smtpSettings, smtp: { url: 'smtp://127.0.0.1' } }), [
      '/smtp/url',
    ]);
    expectInvalid(
      await put(settingsUrl(code), { ...smtpSettings, smtp: { url: 'smtp://93.184.216.34/x' } }),
      ['/smtp/url'],
    );
    expectInvalid(await put(settingsUrl(code), { ...smtpSettings, smtp: { url: 'http://93.184.216.34' } }), [
      '/smtp/url',
    ]);
    expectInvalid(await put(settingsUrl(code), { ...smtpSettings, smtp: { port: 25 } }), ['/smtp/host']);
  });

  it('refuses unusable settings with 422 naming each field', async () => {
    expectInvalid(await put(settingsUrl(channel), { delivery: 'smtp' }), ['/from', '/smtp'], 'body', {
      only: true,
    });
    expectInvalid(
      await put(settingsUrl(channel), { ...smtpSettings, smtp: { host: '127.0.0.1', port: 25 } }),
      ['/smtp/host'],
    );
    expectInvalid(
      await put(settingsUrl(channel), { ...smtpSettings, smtp: { host: '10.1.2.3', port: 25 } }),
      ['/smtp/host'],
    );
    expectInvalid(
      await put(settingsUrl(channel), { ...smtpSettings, smtp: { host: 'localhost', port: 25 } }),
      ['/smtp/host'],
    );
    expectInvalid(await put(settingsUrl(channel), { ...smtpSettings, default_locale: 'not a locale' }), [
      '/default_locale',
    ]);
    expectInvalid(await put(settingsUrl(channel), { ...smtpSettings, from: 'not-an-address' }), ['/from']);
    expectInvalid(
      await put(settingsUrl(channel), { ...smtpSettings, from_name: 'Shop\r\nBcc: x@evil.example' }),
      ['/from_name'],
    );
    expectInvalid(
      await put(settingsUrl(channel), { ...smtpSettings, smtp: { ...smtpSettings.smtp, port: 70_000 } }),
      ['/smtp/port'],
    );
    expectInvalid(
      await put(settingsUrl(channel), { ...smtpSettings, smtp: { host: '93.184.216.35', password: 'x' } }),
      ['/smtp/user'],
    );
    expectInvalid(await put(settingsUrl(channel), { delivery: 'carrier-pigeon' }), ['/delivery']);
    expectInvalid(await put(settingsUrl(channel), { surprise: true }), ['/surprise']);
    // Nothing was stored.
    expect((await get(settingsUrl(channel))).json().updated_at).toBeNull();
  });

  it('answers 404 for an unknown channel', async () => {
    expectProblem(await get(settingsUrl('no-such-channel')), 404, 'not_found');
    expectProblem(await put(settingsUrl('no-such-channel'), {}), 404, 'not_found');
  });
});

describe('channel templates', () => {
  const french = {
    subject: 'Commande {{ order_number }} expédiée',
    text: 'Bonjour {{customer_name}}, suivi : {{tracking_url}} — {{status_link}}',
    html: '<p>Bonjour {{customer_name}}</p>',
  };

  it('stores a template per locale and falls back fr-CA → fr → channel default → built-in English', async () => {
    const code = (await makeChannel(t)).code;
    const stored = await put(templateUrl(code, 'order_shipped', 'FR'), french);
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json()).toMatchObject({
      template: 'order_shipped',
      locale: 'fr',
      source: 'channel',
      resolved_locale: 'fr',
      ...french,
      placeholders: expect.arrayContaining(['order_number', 'tracking_url', 'status_link']),
    });
    expect((await get(templateUrl(code, 'order_shipped', 'fr-CA'))).json()).toMatchObject({
      locale: 'fr-CA',
      source: 'channel',
      resolved_locale: 'fr',
      subject: french.subject,
    });
    const german = (await get(templateUrl(code, 'order_shipped', 'de'))).json();
    expect(german).toMatchObject({
      source: 'builtin',
      resolved_locale: 'en',
      subject: 'Order {{order_number}} has shipped',
    });
    // With French as the channel's default, a German customer gets the French wording.
    expect((await put(settingsUrl(code), { default_locale: 'fr' })).statusCode).toBe(200);
    expect((await get(templateUrl(code, 'order_shipped', 'de'))).json()).toMatchObject({
      source: 'channel',
      resolved_locale: 'fr',
    });
    const listed = await get(`/v1/channels/${code}/notification-templates`);
    expect(
      listed.json().data.map((x: { template: string; locale: string }) => [x.template, x.locale]),
    ).toEqual([['order_shipped', 'fr']]);

    expect(
      (await t.request({ method: 'DELETE', url: templateUrl(code, 'order_shipped', 'fr') })).statusCode,
    ).toBe(204);
    expectProblem(await t.request({ method: 'DELETE', url: templateUrl(code, 'order_shipped', 'fr') }), 404);
    expect((await get(templateUrl(code, 'order_shipped', 'fr'))).json().source).toBe('builtin');
  });

  it('refuses unknown placeholders and bad syntax with 422 naming the field', async () => {
    const url = templateUrl(channel, 'order_confirmed', 'en');
    const good = {
      subject: 'Order {{order_number}}',
      text: 'Hello {{customer_name}}',
      html: '<p>{{items}}</p>',
    };
    const unknown = expectInvalid(
      await put(url, { ...good, text: 'Your {{tracking_url}} and {{ssn}}' }),
      ['/text'],
      'body',
      {
        only: true,
      },
    );
    expect(unknown.errors?.[0]?.detail).toMatch(/\{\{tracking_url\}\}, \{\{ssn\}\}/);
    expectInvalid(await put(url, { ...good, subject: 'Order {{ order_number' }), ['/subject'], 'body', {
      only: true,
    });
    expectInvalid(await put(url, { ...good, html: '<p>{{customer_name}} }}</p>' }), ['/html']);
    expectInvalid(await put(url, { ...good, html: '{{#if x}}yes{{/if}}' }), ['/html']);
    expectInvalid(await put(url, { ...good, subject: 'Two\nlines' }), ['/subject']);
    expectInvalid(await put(url, { text: 'no subject' }), ['/subject']);
    expectInvalid(await put(templateUrl(channel, 'order_teleported', 'en'), good), ['/template'], 'params');
    expectInvalid(await put(templateUrl(channel, 'order_confirmed', 'x_1'), good), ['/locale'], 'params');
    // The tracking link is the shipped e-mail's, not the confirmation's.
    expectInvalid(await put(url, { ...good, text: french.text }), ['/text']);
    // Nothing was stored: the built-in wording still applies.
    expect((await get(templateUrl(channel, 'order_confirmed', 'en'))).json().source).toBe('builtin');
  });
});

describe('who may do what', () => {
  let sku: string;
  let mine: { id: string };
  let theirs: { id: string };

  beforeAll(async () => {
    sku = await stocked(t, { [location]: 20 });
    const ours = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const others = await captureOrder(t, orderBody(other, [{ sku, quantity: 1 }]));
    await notifyPass(t);
    [mine] = (await requestedFor(t, ours.id)).map((r) => ({ id: r.notification_id }));
    [theirs] = (await requestedFor(t, others.id)).map((r) => ({ id: r.notification_id }));
  });

  it('answers 401 without a key', async () => {
    expectProblem(await get(settingsUrl(channel), null), 401);
    expectProblem(await put(settingsUrl(channel), {}, null), 401);
    expectProblem(
      await put(templateUrl(channel, 'order_confirmed', 'en'), { subject: 's', text: 't' }, null),
      401,
    );
    expectProblem(await get('/v1/notifications', null), 401);
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/notifications/${mine.id}/retry`, key: null }),
      401,
    );
  });

  it('answers 403 for a key without the scope', async () => {
    const reader = await t.keyWith(['orders:read']);
    const stock = await t.keyWith(['inventory:read']);
    expectProblem(await put(settingsUrl(channel), {}, reader), 403);
    expectProblem(await get(settingsUrl(channel), reader), 403);
    expectProblem(
      await put(templateUrl(channel, 'order_confirmed', 'en'), { subject: 's', text: 't' }, reader),
      403,
    );
    expectProblem(await get('/v1/notifications', stock), 403);
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/notifications/${mine.id}/retry`, key: reader }),
      403,
    );
    expect((await get('/v1/notifications', reader)).statusCode).toBe(200);
  });

  it('shows a channel-bound key only its channel; another channel’s settings and notifications are 404', async () => {
    const bound = await t.keyWith(['catalog:write', 'orders:read', 'orders:write'], channel);
    expect((await get(settingsUrl(channel), bound)).statusCode).toBe(200);
    expectProblem(await get(settingsUrl(other), bound), 404);
    expectProblem(await put(settingsUrl(other), {}, bound), 404);
    expectProblem(
      await put(templateUrl(other, 'order_confirmed', 'en'), { subject: 's', text: 't' }, bound),
      404,
    );
    expectProblem(await get(templateUrl(other, 'order_confirmed', 'en'), bound), 404);
    expectProblem(await get(`/v1/channels/${other}/notification-templates`, bound), 404);
    const listed = (await get('/v1/notifications?limit=500', bound)).json().data as Array<{
      id: string;
      channel: string;
    }>;
    expect(listed.map((n) => n.id)).toContain(mine.id);
    expect(listed.every((n) => n.channel === channel)).toBe(true);
    expect((await get(`/v1/notifications/${mine.id}`, bound)).statusCode).toBe(200);
    expectProblem(await get(`/v1/notifications/${theirs.id}`, bound), 404);
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/notifications/${theirs.id}/retry`, key: bound }),
      404,
    );
    // An event-only notification is the merchant's to send: nothing to retry.
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/notifications/${mine.id}/retry`, key: bound }),
      409,
    );
  });

  it('pages the list with a cursor and filters it', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/v1/notifications?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().data.map((n: { id: string }) => n.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    const filtered = (
      await get(`/v1/notifications?channel=${other}&status=requested&template=order_confirmed`)
    ).json();
    expect(filtered.data.map((n: { id: string }) => n.id)).toEqual([theirs.id]);
    expectInvalid(await get('/v1/notifications?cursor=nonsense'), ['/cursor'], 'query');
    expectInvalid(await get('/v1/notifications?status=lost'), ['/status'], 'query');
    expectProblem(await get('/v1/notifications/00000000-0000-4000-8000-000000000000'), 404);
  });
});
