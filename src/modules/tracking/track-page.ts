import { createHash } from 'node:crypto';
import type { TrackedOrder } from './tracking.schemas.js';

/**
 * The customer's order page at /track/{token}: plain HTML rendered on the server, every value escaped,
 * no JavaScript, one inline style sheet (allowed by its hash in the Content-Security-Policy), readable
 * on a 375 px wide phone. Pure.
 */

const style = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f6f4}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .25rem}
section>h2:first-child{margin-top:0}
section,.card{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}
ul{margin:.25rem 0;padding-left:1.25rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:.25rem 0}
dt{color:#555}
dd{margin:0}
.status{display:inline-block;font-weight:600;padding:.15rem .6rem;border-radius:1rem;background:#e6f0ff;color:#123d7a}
.delay{background:#fff4e0;border-color:#f0c36d}
.muted{color:#555;font-size:.9rem}
*{overflow-wrap:anywhere}
a{color:#123d7a}
`;

export const trackPageStyleHash = `sha256-${createHash('sha256').update(style).digest('base64')}`;

/** No script at all, styles only from the page's own style sheet, nothing framed, no form posts. */
export const trackPageHeaders = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'none'",
    `style-src '${trackPageStyleHash}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
} as const;

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => escapes[c] ?? c);

const when = (at: string | null) => (at ? `${at.slice(0, 10)} ${at.slice(11, 16)} UTC` : '');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const quantities = (item: TrackedOrder['items'][number]) =>
  [
    `${item.quantity} ordered`,
    item.shipped > 0 ? `${item.shipped} shipped` : '',
    item.cancelled > 0 ? `${item.cancelled} cancelled` : '',
    item.returned > 0 ? `${item.returned} returned` : '',
  ]
    .filter(Boolean)
    .join(', ');

function items(order: TrackedOrder): string {
  const rows = order.items.map((item) => {
    const parts = item.components.length
      ? `<ul>${item.components.map((p) => `<li>${escapeHtml(p.quantity)} × ${escapeHtml(p.name)}</li>`).join('')}</ul>`
      : '';
    return `<li><strong>${escapeHtml(item.name)}</strong> <span class="muted">(${escapeHtml(item.sku)})</span>: ${escapeHtml(quantities(item))}${parts}</li>`;
  });
  return `<section><h2>Items</h2><ul>${rows.join('')}</ul></section>`;
}

const parcelStatusText: Record<TrackedOrder['shipments'][number]['status'], string> = {
  preparing: 'Being prepared',
  shipped: 'Shipped',
  in_transit: 'In transit',
  delivered: 'Delivered',
  exception: 'Delivery problem: the carrier is working on it',
};

const safeLink = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);

function shipment(parcel: TrackedOrder['shipments'][number]): string {
  const link = safeLink(parcel.tracking_url);
  const facts: Array<[string, string]> = [
    ['Status', escapeHtml(parcelStatusText[parcel.status])],
    ['Carrier', escapeHtml([parcel.carrier, parcel.service].filter(Boolean).join(' '))],
    [
      'Tracking number',
      link
        ? `<a href="${escapeHtml(link)}" rel="noreferrer noopener">${escapeHtml(parcel.tracking_number ?? link)}</a>`
        : escapeHtml(parcel.tracking_number),
    ],
    ['Shipped', escapeHtml(when(parcel.shipped_at))],
    ['Delivered', escapeHtml(when(parcel.delivered_at))],
  ];
  const events = [...parcel.events]
    .reverse()
    .map(
      (e) =>
        `<li>${escapeHtml(when(e.occurred_at))}: ${escapeHtml(e.description ?? e.status.replaceAll('_', ' '))}${e.location ? `, ${escapeHtml(e.location)}` : ''}</li>`,
    );
  return `<div class="card"><h3>Shipment ${escapeHtml(parcel.number)}</h3>
<dl>${facts
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`)
    .join('')}</dl>
<ul>${parcel.items.map((i) => `<li>${escapeHtml(i.quantity)} × ${escapeHtml(i.name)}</li>`).join('')}</ul>
${events.length ? `<p class="muted">Tracking, newest first:</p><ul>${events.join('')}</ul>` : ''}</div>`;
}

function delays(order: TrackedOrder): string {
  const lines = order.delays.map((delay) =>
    delay.kind === 'past_promise'
      ? `<li>Your order was promised for ${escapeHtml(delay.promised_date)} and has not arrived yet. We are sorry for the delay.</li>`
      : `<li>The expected delivery moved from ${escapeHtml(delay.previous_date ?? 'no date')} to ${escapeHtml(delay.promised_date ?? 'a date not known yet')}.</li>`,
  );
  return lines.length ? `<section class="delay"><h2>Delays</h2><ul>${lines.join('')}</ul></section>` : '';
}

function returns(order: TrackedOrder): string {
  if (order.returns.length === 0) {
    return '';
  }
  const cards = order.returns.map((r) => {
    const refund = r.refund
      ? `<p>Refund ${escapeHtml(r.refund.status)}: ${escapeHtml((r.refund.amount / 100).toFixed(2))} ${escapeHtml(r.refund.currency)}</p>`
      : '';
    return `<div class="card"><h3>Return ${escapeHtml(r.number)}: ${escapeHtml(r.status.replaceAll('_', ' '))}</h3>
<ul>${r.items.map((i) => `<li>${escapeHtml(i.quantity)} × ${escapeHtml(i.name)}</li>`).join('')}</ul>${refund}</div>`;
  });
  return `<h2>Returns</h2>${cards.join('')}`;
}

/** The whole page of one order. */
export function renderTrackPage(order: TrackedOrder): string {
  const to = order.ship_to;
  const place = [to.city, [to.region, to.postal_code].filter(Boolean).join(' '), to.country]
    .filter(Boolean)
    .join(', ');
  const facts: Array<[string, string]> = [
    ['Placed', when(order.placed_at)],
    ['Expected delivery', order.promised_delivery_date ?? ''],
    ['Delivering to', place],
  ];
  const body = `<h1>Order ${escapeHtml(order.order_number)}</h1>
<p><span class="status">${escapeHtml(order.status_text)}</span></p>
<dl>${facts
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `<dt>${name}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('')}</dl>
${delays(order)}
${items(order)}
${order.shipments.length ? `<h2>Shipments</h2>${order.shipments.map(shipment).join('')}` : ''}
${returns(order)}`;
  return page(`Order ${order.order_number}: ${order.status_text}`, body);
}

/** The one page for every link that shows nothing: unknown, expired, revoked or replaced alike. */
export function renderTrackNotFound(): string {
  return page(
    'Order not found',
    `<h1>This order link does not work</h1>
<p>It may have expired, been replaced by a newer link, or been revoked. Ask the shop for a new link.</p>`,
  );
}
