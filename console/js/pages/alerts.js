// Alerts: open ones first; acknowledge says someone is on it (it resolves by itself when fixed).
import { api, query } from '../api.js';
import { badge, field, h, table } from '../dom.js';
import { time, words } from '../format.js';
import { act, can, createPager, loadInto, title } from '../ui.js';

/** The alert's subject; an order's (or an order's hold's or shipment's) links to the order. */
const subjectOf = (a) => {
  const orderId = a.subject_type === 'order' ? a.subject_id : a.details?.order_id;
  const itself = `${words(a.subject_type)} ${a.subject_id}`;
  if (!orderId) {
    return itself;
  }
  const link = h(
    'a',
    { href: `#/orders/${encodeURIComponent(orderId)}` },
    `order ${a.details?.order_number ?? orderId}`,
  );
  return a.subject_type === 'order' ? link : [link, h('div', { class: 'muted' }, itself)];
};

const tone = { open: 'bad', acknowledged: 'warn', resolved: 'good' };

export async function alertsPage(view, { me }) {
  const status = h(
    'select',
    { name: 'status' },
    ['open', 'acknowledged', 'resolved', ''].map((s) =>
      h('option', { value: s }, s ? words(s) : 'Any status'),
    ),
  );
  const list = h('div', {});
  const acknowledge = (a) => {
    if (a.status !== 'open' || !can(me, 'orders:write')) {
      return null;
    }
    const button = h('button', { type: 'button', 'aria-label': `Acknowledge alert ${a.id}` }, 'Acknowledge');
    button.onclick = () =>
      act(button, () => api(`/alerts/${a.id}/acknowledge`, { method: 'POST' }), {
        done: 'Acknowledged',
        after: load,
      });
    return button;
  };
  const load = () =>
    loadInto(list, async () => {
      const page = await api(`/alerts${query({ status: status.value, limit: 25, cursor: pager.cursor })}`);
      return [
        table(
          'Alerts, newest first',
          [
            ['Raised', (a) => time(a.raised_at)],
            ['Status', (a) => badge(words(a.status), tone[a.status])],
            ['Rule', (a) => a.rule],
            ['What', (a) => a.summary],
            ['Subject', subjectOf],
            ['Channel', (a) => a.channel ?? '—'],
            ['', acknowledge],
          ],
          page.data,
        ),
        pager.controls(page.next_cursor),
      ];
    });
  const pager = createPager(load);
  status.onchange = () => {
    pager.reset();
    load();
  };
  view.append(
    title('Alerts'),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, field('Status', status)),
    list,
  );
  await load();
}
