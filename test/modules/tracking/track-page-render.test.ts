import { describe, expect, it } from 'vitest';
import { escapeHtml, renderTrackPage } from '../../../src/modules/tracking/track-page.js';
import type { TrackedOrder } from '../../../src/modules/tracking/tracking.schemas.js';

/** The page's HTML from a view full of markup: every value text, no link but http(s) ones. */

const hostile = `"><script>alert(1)</script><a href='javascript:alert(2)'>`;

const order: TrackedOrder = {
  order_number: 100042,
  placed_at: '2026-11-27T14:03:11.000Z',
  status: 'shipped',
  status_text: 'On its way',
  promised_delivery_date: '2026-12-01',
  ship_to: { city: hostile, region: 'NY', postal_code: '10118', country: 'US' },
  items: [
    {
      sku: hostile,
      name: hostile,
      quantity: 1,
      shipped: 1,
      cancelled: 0,
      returned: 0,
      components: [{ sku: 'PART', name: hostile, quantity: 2 }],
    },
  ],
  shipments: [
    {
      number: '100042-1',
      status: 'in_transit',
      carrier: hostile,
      service: 'ground',
      tracking_number: hostile,
      tracking_url: 'javascript:alert(3)',
      shipped_at: '2026-11-28T16:20:00.000Z',
      delivered_at: null,
      items: [{ sku: 'X', name: hostile, quantity: 1 }],
      events: [
        {
          status: 'in_transit',
          description: hostile,
          location: hostile,
          occurred_at: '2026-11-29T08:10:00.000Z',
        },
      ],
    },
    {
      number: '100042-2',
      status: 'shipped',
      carrier: 'ups',
      service: 'ground',
      tracking_number: '1Z999',
      tracking_url: 'https://carrier.example/track?n=1Z999&x="y"',
      shipped_at: null,
      delivered_at: null,
      items: [],
      events: [],
    },
  ],
  delays: [
    {
      kind: 'promise_moved',
      previous_date: '2026-11-30',
      promised_date: '2026-12-01',
      at: '2026-11-29T00:00:00.000Z',
    },
  ],
  returns: [
    {
      number: 'R100042-1',
      status: 'in_transit',
      requested_at: '2026-11-30T00:00:00.000Z',
      items: [{ sku: 'X', name: hostile, quantity: 1, reason: 'damaged' }],
      refund: { status: 'pending', amount: 1999, currency: 'USD' },
    },
  ],
};

describe('the order page', () => {
  it('escapes every value and links only to http(s) tracking pages', () => {
    const html = renderTrackPage(order);
    expect(html).not.toMatch(/<script|<a href='javascript|href="javascript/i);
    expect(html).toContain(escapeHtml(hostile));
    expect(html).toContain('href="https://carrier.example/track?n=1Z999&amp;x=&quot;y&quot;"');
    expect(html).toContain('Refund pending: 19.99 USD');
    expect(html).toContain('moved from 2026-11-30 to 2026-12-01');
    // Only the page's own tags: no attribute but class, href, rel, lang, charset, name and content
    const attributes = [...html.matchAll(/<[a-z0-9]+\s([^>]*)>/gi)].flatMap((m) =>
      [...(m[1] ?? '').matchAll(/([a-z-]+)="[^"]*"/gi)].map((a) => a[1]),
    );
    expect(new Set(attributes)).toEqual(
      new Set(['lang', 'charset', 'name', 'content', 'class', 'href', 'rel']),
    );
  });
});
