// The parts of the order page that only show: lines, reservations, shipments, returns and refunds.
import { h, section, table } from '../dom.js';
import { money, time, words } from '../format.js';

export const linesSection = (order) =>
  section(
    'Lines',
    table(
      'Order lines',
      [
        ['#', (l) => l.line_number],
        ['SKU', (l) => h('a', { href: `#/stock?sku=${encodeURIComponent(l.sku)}` }, l.sku)],
        ['Qty', (l) => l.quantity],
        ['Allocated', (l) => l.allocated],
        ['Backordered', (l) => l.backordered],
        ['Shipped', (l) => l.shipped],
        ['Cancelled', (l) => l.cancelled],
        ['Returned', (l) => l.returned],
        ['Unit price', (l) => money(l.unit_price, order.currency)],
      ],
      order.lines,
    ),
  );

export const reservationsSection = (order) =>
  section(
    'Reservations',
    table(
      'Stock reserved for this order',
      [
        ['Location', (r) => r.location],
        ['Items', (r) => r.items.map((i) => `${i.quantity} × ${i.sku}`).join(', ')],
      ],
      order.reservations,
    ),
  );

export const shipmentsSection = (shipments) =>
  section(
    'Shipments',
    table(
      'Shipments',
      [
        ['Number', (s) => s.number],
        ['From', (s) => s.location],
        ['Status', (s) => words(s.status)],
        ['Ship by', (s) => s.ship_by],
        ['Carrier', (s) => [s.carrier, s.service].filter(Boolean).join(' ') || '—'],
        ['Tracking', (s) => s.tracking_number ?? '—'],
        ['Items', (s) => s.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')],
      ],
      shipments,
    ),
  );

export function returnsSection(returns, currency) {
  const refunds = returns.flatMap((r) => r.refunds.map((refund) => ({ ...refund, rma: r.number })));
  return section(
    'Returns and refunds',
    table(
      'Returns',
      [
        ['RMA', (r) => r.number],
        ['Status', (r) => words(r.status)],
        ['Items', (r) => r.lines.map((l) => `${l.quantity} × ${l.sku} (${words(l.reason)})`).join(', ')],
        ['Note', (r) => r.note ?? '—'],
        ['Opened', (r) => time(r.created_at)],
      ],
      returns,
    ),
    table(
      'Refunds',
      [
        ['RMA', (f) => f.rma],
        ['Amount', (f) => money(f.amount, f.currency ?? currency)],
        ['Status', (f) => words(f.status)],
        ['Confirmed', (f) => time(f.confirmed_at)],
      ],
      refunds,
    ),
  );
}
