// Orders: find one by number, external id, customer email or SKU; or browse the newest.
import { api, query } from '../api.js';
import { badge, field, h, table } from '../dom.js';
import { money, time, words } from '../format.js';
import { createPager, loadInto, title } from '../ui.js';

const kinds = [
  ['auto', 'Anything'],
  ['number', 'Order number'],
  ['external_id', 'External id'],
  ['customer_email', 'Customer email'],
  ['sku', 'SKU'],
];

/** What the words typed look like: a number, an email, or else an external id. */
const guess = (text) =>
  /^\d{1,15}$/.test(text) ? 'number' : text.includes('@') ? 'customer_email' : 'external_id';

export const statusBadge = (status) =>
  badge(
    words(status),
    ['cancelled'].includes(status)
      ? 'bad'
      : status === 'on_hold' || status === 'backordered'
        ? 'warn'
        : 'neutral',
  );

const orderTable = (orders) =>
  table(
    'Orders',
    [
      ['Number', (o) => h('a', { href: `#/orders/${o.id}` }, String(o.number))],
      ['Placed', (o) => time(o.placed_at)],
      ['Channel', (o) => o.channel],
      ['External id', (o) => o.external_id],
      ['Customer', (o) => [o.customer.name ?? '', h('div', { class: 'muted' }, o.customer.email)]],
      ['Status', (o) => statusBadge(o.status)],
      ['Total', (o) => money(o.totals.total, o.currency)],
    ],
    orders,
  );

export async function ordersPage(view, { query: params }) {
  const text = h('input', { type: 'search', name: 'q', value: params.get('q') ?? '', autocomplete: 'off' });
  const kind = h(
    'select',
    { name: 'by' },
    kinds.map(([value, label]) => h('option', { value }, label)),
  );
  kind.value = params.get('by') ?? 'auto';
  const results = h('div', {});
  let filter = {};
  const load = () =>
    loadInto(results, async () => {
      const page = await api(`/orders${query({ ...filter, limit: 25, cursor: pager.cursor })}`);
      return [orderTable(page.data), pager.controls(page.next_cursor)];
    });
  /** Runs the search typed; "Anything" that is no number or email is an external id, else a SKU. */
  const search = async () => {
    const words = text.value.trim();
    const by = kind.value === 'auto' && words ? guess(words) : kind.value;
    if (by === 'number') {
      location.hash = `#/orders/${encodeURIComponent(words)}`;
      return;
    }
    filter = words && by !== 'auto' ? { [by]: words } : {};
    if (kind.value === 'auto' && by === 'external_id') {
      const found = await api(`/orders${query({ ...filter, limit: 1 })}`).catch(() => null);
      filter = found && found.data.length === 0 ? { sku: words } : filter;
    }
    await load();
  };
  const pager = createPager(load);
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        pager.reset();
        history.replaceState(null, '', `#/orders${query({ q: text.value.trim(), by: kind.value })}`);
        search();
      },
    },
    field('Search orders', text),
    field('By', kind),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
  );
  view.append(title('Orders'), form, results);
  await search();
}
