// Stock: a SKU across locations (on hand, reserved, available, per channel), its ledger, reorder points.
import { api, query } from '../api.js';
import { field, h, section, table } from '../dom.js';
import { time, words } from '../format.js';
import { act, can, createPager, loadInto, title } from '../ui.js';

/** The channels to show availability for: a bound key's own, else every channel (first 20). */
async function channelsFor(me) {
  if (me.channel) {
    return [me.channel];
  }
  const page = await api(`/channels${query({ limit: 20 })}`).catch(() => ({ data: [] }));
  return page.data.map((c) => c.code);
}

function reorderCell(level, me) {
  if (!can(me, 'inventory:write')) {
    return level.reorder_point ?? '—';
  }
  const input = h('input', {
    type: 'number',
    min: 0,
    inputmode: 'numeric',
    value: level.reorder_point ?? '',
    'aria-label': `Reorder point at ${level.location}`,
  });
  const save = h('button', { type: 'submit' }, 'Save');
  const submit = (event) => {
    event.preventDefault();
    const reorder_point = input.value === '' ? null : Number(input.value);
    const items = [{ sku: level.sku, location: level.location, reorder_point }];
    act(save, () => api('/inventory/reorder-points', { method: 'PUT', body: { items } }), {
      done: `Reorder point at ${level.location} saved`,
    });
  };
  return h('form', { class: 'inline', onsubmit: submit }, input, save);
}

async function levelsSection(sku, me) {
  const levels = await api(`/inventory/levels${query({ sku, limit: 200 })}`);
  const channels = await channelsFor(me);
  const availability = await Promise.all(
    channels.map((channel) => api(`/inventory/availability${query({ sku, channel })}`).catch(() => null)),
  );
  const perChannel = availability
    .filter(Boolean)
    .map((a) => ({ channel: a.channel, available: a.data[0]?.available ?? 0 }));
  return [
    section(
      'Across locations',
      table(
        `Stock of ${sku} by location`,
        [
          ['Location', (l) => l.location],
          ['On hand', (l) => l.on_hand],
          ['Reserved', (l) => l.reserved],
          ['Safety stock', (l) => l.safety_stock ?? 'channel default'],
          ['Available', (l) => l.available],
          ['Reorder point', (l) => reorderCell(l, me)],
          ['Updated', (l) => time(l.updated_at)],
        ],
        levels.data,
        { rowClass: (l) => (l.reorder_point !== null && l.on_hand < l.reorder_point ? 'below' : '') },
      ),
    ),
    section(
      'Available to sell, per channel',
      table(
        `Available of ${sku} per channel`,
        [
          ['Channel', (a) => a.channel],
          ['Available', (a) => a.available],
        ],
        perChannel,
      ),
    ),
  ];
}

function ledgerSection(sku) {
  const body = h('div', {});
  const load = () =>
    loadInto(body, async () => {
      const page = await api(`/inventory/movements${query({ sku, limit: 25, cursor: pager.cursor })}`);
      return [
        table(
          `Ledger of ${sku}, newest first`,
          [
            ['When', (m) => time(m.created_at)],
            ['Location', (m) => m.location],
            ['Reason', (m) => words(m.reason)],
            ['Change', (m) => (m.quantity_change > 0 ? `+${m.quantity_change}` : m.quantity_change)],
            ['On hand after', (m) => m.on_hand_after],
            ['Reference', (m) => m.reference],
          ],
          page.data,
        ),
        pager.controls(page.next_cursor),
      ];
    });
  const pager = createPager(load);
  load();
  return section('Ledger', body);
}

export async function stockPage(view, { me, query: params }) {
  const sku = params.get('sku') ?? '';
  const input = h('input', { type: 'search', name: 'sku', value: sku, autocomplete: 'off', required: true });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = `#/stock${query({ sku: input.value.trim() })}`;
      },
    },
    field('SKU', input),
    h('button', { type: 'submit', class: 'primary' }, 'Show stock'),
  );
  view.append(title(sku ? `Stock of ${sku}` : 'Stock'), form);
  if (!sku) {
    view.append(
      h('p', { class: 'muted' }, 'Type a SKU to see it across locations, its ledger and reorder points.'),
    );
    return;
  }
  const levels = h('div', {});
  view.append(levels, ledgerSection(sku));
  await loadInto(levels, () => levelsSection(sku, me));
}
