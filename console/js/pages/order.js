// One order: what it is, what holds it, where its stock and shipments are, what happened and why it
// ships from where it does; cancel, edit the address before release, release a hold.
import { api, query } from '../api.js';
import { facts, h, section, table } from '../dom.js';
import { addressLine, age, money, time, words } from '../format.js';
import { explainRouting } from '../routing-words.js';
import { act, ask, can, loadInto, title } from '../ui.js';
import { addressForm } from './address-form.js';
import { linesSection, reservationsSection, returnsSection, shipmentsSection } from './order-parts.js';
import { statusBadge } from './orders.js';
import { timelineSection } from './timeline.js';

const editable = ['received', 'validated', 'on_hold', 'backordered', 'allocated'];
const cancellable = [...editable, 'released', 'partially_shipped'];

function summary(order, me, reload) {
  const address = h('dd', {}, addressLine(order.ship_to));
  if (can(me, 'orders:write') && editable.includes(order.status)) {
    const edit = h('button', { type: 'button', class: 'link' }, 'Edit address');
    edit.onclick = () => address.replaceChildren(addressForm(order, reload, reload));
    address.append(' ', edit);
  }
  return h(
    'div',
    {},
    facts([
      ['Channel', order.channel],
      ['External id', order.external_id],
      ['Placed', time(order.placed_at)],
      ['Customer', [order.customer.name ?? '', ' ', h('span', { class: 'muted' }, order.customer.email)]],
      ['Service level', words(order.shipping.service_level)],
      ['Promised delivery', order.promised_delivery_date],
      ['Payment', words(order.payment.status)],
      ['Total', money(order.totals.total, order.currency)],
      ['Refunded', money(order.totals.refunded, order.currency)],
      order.cancel_reason ? ['Cancelled because', order.cancel_reason] : null,
    ]),
    h('dl', { class: 'facts' }, h('dt', {}, 'Ship to'), address),
  );
}

function holdsSection(order, me, reload) {
  const release = (hold) => {
    if (hold.status !== 'open' || !can(me, 'orders:write')) {
      return null;
    }
    const button = h('button', { type: 'button', class: 'primary' }, 'Release');
    button.onclick = async () => {
      const note = await ask({
        title: `Release the ${words(hold.kind)} hold`,
        label: 'Note (optional)',
        confirm: 'Release',
      });
      if (note !== null) {
        await act(
          button,
          () => api(`/holds/${hold.id}/release`, { method: 'POST', body: note ? { note } : {} }),
          {
            done: (o) => `Hold released: the order is now ${words(o.status)}`,
            after: reload,
          },
        );
      }
    };
    return button;
  };
  return section(
    'Holds',
    table(
      'Holds on this order',
      [
        ['Kind', (x) => words(x.kind)],
        ['Status', (x) => words(x.status)],
        ['Reason', (x) => x.reason],
        ['Note', (x) => x.note ?? '—'],
        ['Opened', (x) => (x.status === 'open' ? `${age(x.created_at)} ago` : time(x.created_at))],
        ['', release],
      ],
      order.holds,
    ),
  );
}

function cancelButton(order, me, reload) {
  if (!can(me, 'orders:write') || !cancellable.includes(order.status)) {
    return null;
  }
  const button = h('button', { type: 'button', class: 'danger' }, 'Cancel order');
  button.onclick = async () => {
    const reason = await ask({
      title: `Cancel order ${order.number}`,
      label: 'Reason',
      confirm: 'Cancel the order',
      required: true,
    });
    if (reason) {
      await act(button, () => api(`/orders/${order.id}/cancel`, { method: 'POST', body: { reason } }), {
        done: `Order ${order.number} is cancelled`,
        after: reload,
      });
    }
  };
  return button;
}

const routingSection = (order) => {
  const body = h('div', {});
  loadInto(body, async () =>
    h(
      'ul',
      { class: 'sentences' },
      explainRouting(await api(`/orders/${order.id}/routing`)).map((s) => h('li', {}, s)),
    ),
  );
  return section('Why it ships from there', body);
};

const relatedSection = (order) => {
  const body = h('div', {});
  loadInto(body, async () => {
    const [shipments, returns] = await Promise.all([
      api(`/shipments${query({ order_id: order.id, limit: 100 })}`),
      api(`/returns${query({ order_id: order.id, limit: 100 })}`),
    ]);
    return [shipmentsSection(shipments.data), returnsSection(returns.data, order.currency)];
  });
  return body;
};

export async function orderPage(view, { me, params }) {
  const render = async () => {
    const order = await api(`/orders/${encodeURIComponent(params.id)}`);
    const head = title(
      `Order ${order.number}`,
      statusBadge(order.status),
      h('div', { class: 'actions' }, cancelButton(order, me, render)),
    );
    view.replaceChildren(
      head,
      summary(order, me, render),
      holdsSection(order, me, render),
      linesSection(order),
      reservationsSection(order),
      relatedSection(order),
      routingSection(order),
      timelineSection(order.id),
    );
  };
  await render();
}
