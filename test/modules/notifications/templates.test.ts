import { describe, expect, it } from 'vitest';
import {
  builtinTemplates,
  placeholdersOf,
  templateIds,
} from '../../../src/modules/notifications/builtin-templates.js';
import { localeFallbacks } from '../../../src/modules/notifications/locales.js';
import { chooseTemplate, renderMessage } from '../../../src/modules/notifications/message.js';
import { milestoneOf } from '../../../src/modules/notifications/milestones.js';
import { parseTemplate, renderTemplate } from '../../../src/modules/notifications/template-text.js';
import { templateErrors } from '../../../src/modules/notifications/templates.js';

/** The pure parts: the template language, the locale fallback, the wording chosen, the event mapping. */

describe('the template language', () => {
  it('finds placeholders and refuses stray braces', () => {
    expect(parseTemplate('Hi {{ customer_name }}, order {{order_number}}')).toEqual({
      names: ['customer_name', 'order_number'],
    });
    expect(parseTemplate('Hi {{customer_name')).toMatchObject({ problem: { at: 3 } });
    expect(parseTemplate('Hi }} there')).toMatchObject({ problem: { at: 3 } });
    expect(parseTemplate('{{#each items}}')).toHaveProperty('problem');
    expect(parseTemplate('{{Name}}')).toHaveProperty('problem');
    expect(parseTemplate('no placeholders, { single } braces')).toEqual({ names: [] });
  });

  it('escapes values in HTML only, and leaves unknown placeholders empty', () => {
    const values = { customer_name: '<img src=x onerror=alert(1)> & "Co"' };
    expect(renderTemplate('Hi {{customer_name}}', values)).toBe('Hi <img src=x onerror=alert(1)> & "Co"');
    expect(renderTemplate('<p>{{customer_name}}</p>', values, { html: true })).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;</p>',
    );
    expect(renderTemplate('[{{nothing}}] [{{constructor}}]', values)).toBe('[] []');
  });

  it('has a valid built-in English wording for every template', () => {
    for (const id of templateIds) {
      expect(templateErrors(id, builtinTemplates[id]), id).toEqual([]);
      expect(placeholdersOf[id]).toContain('status_link');
    }
  });
});

describe('locales', () => {
  it('falls back from the customer’s locale to its parents, the channel default, then English', () => {
    expect(localeFallbacks('fr-ca', 'de')).toEqual(['fr-CA', 'fr', 'de', 'en']);
    expect(localeFallbacks('zh-Hant-TW', 'en')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
    expect(localeFallbacks('not a locale', 'pt-BR')).toEqual(['en', 'pt-BR', 'pt']);
  });

  it('chooses the channel’s wording in the first locale that has one, else the built-in', () => {
    const wording = (locale: string) => ({
      locale,
      subject: `S ${locale}`,
      text: 'T',
      html: null,
      updated_at: '2026-11-27T10:00:00Z',
    });
    expect(chooseTemplate('order_shipped', [wording('fr'), wording('de')], 'fr-CA', 'de')).toMatchObject({
      source: 'channel',
      resolved_locale: 'fr',
    });
    expect(chooseTemplate('order_shipped', [wording('de')], 'fr-CA', 'de').resolved_locale).toBe('de');
    expect(chooseTemplate('order_shipped', [wording('es')], 'fr-CA', 'de')).toMatchObject({
      source: 'builtin',
      subject: builtinTemplates.order_shipped.subject,
    });
  });

  it('renders a message with money and dates for the locale and a one-line subject', () => {
    const message = renderMessage(
      {
        template: 'refund_issued',
        locale: 'de-DE',
        channel: 'web',
        recipient: { email: 'a@example.com', name: null },
        status_link: 'https://shop.example/track/x',
        data: {
          order: { number: 100042, currency: 'EUR', total: 5223 },
          return: { number: 'R100042-1' },
          refund: { amount: 1950, currency: 'EUR' },
        },
      },
      {
        subject: 'Refund {{refund_amount}}\r\nBcc: x@evil.example',
        text: '{{customer_name}} {{return_number}}',
        html: null,
      },
    );
    expect(message).toEqual({
      subject: 'Refund 19,50\u00a0€ Bcc: x@evil.example',
      text: 'a@example.com R100042-1',
      html: null,
    });
  });
});

describe('events to milestones', () => {
  const orderId = '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b';
  it('maps each event to its milestone, and a malformed event to none', () => {
    const order = (status: string) => ({ order: { id: orderId, status } });
    expect(milestoneOf({ id: 'e', type: 'order.created', data: order('allocated') })).toMatchObject({
      template: 'order_confirmed',
      subject: '',
    });
    expect(milestoneOf({ id: 'e', type: 'order.created', data: order('on_hold') })).toBeUndefined();
    expect(milestoneOf({ id: 'e', type: 'order.created', data: order('cancelled') })).toBeUndefined();
    expect(milestoneOf({ id: 'e', type: 'order.shipped', data: order('shipped') })).toBeUndefined();
    expect(
      milestoneOf({
        id: 'e',
        type: 'order.updated',
        data: {
          ...order('backordered'),
          change: 'promise',
          previous_promised_delivery_date: null,
          promised_delivery_date: '2026-12-09',
        },
      }),
    ).toMatchObject({ template: 'backorder_date_changed', subject: 'none>2026-12-09' });
    expect(
      milestoneOf({ id: 'e', type: 'order.created', data: { order: { id: 'nope', status: 'allocated' } } }),
    ).toBeUndefined();
    expect(
      milestoneOf({ id: 'e', type: 'return.refunded', data: { return: { id: orderId, order_id: orderId } } }),
    ).toBeUndefined();
    expect(milestoneOf({ id: 'e', type: 'shipment.shipped', data: {} })).toBeUndefined();
  });
});
