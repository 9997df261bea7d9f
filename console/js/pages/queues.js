// Queues: open holds, oldest first, with age and SLA state; assign to me, release, or cancel the order.
import { api, query } from '../api.js';
import { badge, field, h, table } from '../dom.js';
import { age, words } from '../format.js';
import { holdQueues, loadSlas, slaOf } from '../sla.js';
import { act, ask, can, createPager, loadInto, title } from '../ui.js';

/** Each queue's open holds and how many are past SLA, as buttons that pick the queue. */
function queueSummary(rows, picked, pick) {
  if (!rows) {
    return null;
  }
  return h(
    'ul',
    { class: 'queue-summary', 'aria-label': 'Queues' },
    rows.map((row) =>
      h(
        'li',
        { class: row.open_holds === 0 ? 'empty' : null },
        h(
          'button',
          { type: 'button', 'aria-pressed': String(row.queue === picked), onclick: () => pick(row.queue) },
          h('strong', {}, String(row.open_holds)),
          ` ${words(row.queue)}`,
          row.past_sla > 0 ? h('span', { class: 'badge bad' }, `${row.past_sla} past SLA`) : null,
        ),
      ),
    ),
  );
}

/** The actions on one hold; each reloads the queue when done. */
function holdActions(hold, me, reload) {
  if (!can(me, 'orders:write')) {
    return null;
  }
  const number = hold.order.number;
  const assign = h(
    'button',
    { type: 'button', 'aria-label': `Assign to me: order ${number}` },
    'Assign to me',
  );
  assign.onclick = () =>
    act(assign, () => api(`/holds/${hold.id}/assign`, { method: 'POST', body: { assignee: me.name } }), {
      done: `Order ${number} is assigned to you`,
      after: reload,
    });
  const release = h(
    'button',
    { type: 'button', class: 'primary', 'aria-label': `Release hold on order ${number}` },
    'Release',
  );
  release.onclick = async () => {
    const note = await ask({
      title: `Release the ${words(hold.kind)} hold on order ${number}`,
      label: 'Note (optional)',
      confirm: 'Release',
    });
    if (note !== null) {
      await act(
        release,
        () => api(`/holds/${hold.id}/release`, { method: 'POST', body: note ? { note } : {} }),
        {
          done: (order) => `Order ${order.number} released from hold: now ${words(order.status)}`,
          after: reload,
        },
      );
    }
  };
  const cancel = h(
    'button',
    { type: 'button', class: 'danger', 'aria-label': `Cancel order ${number}` },
    'Cancel order',
  );
  cancel.onclick = async () => {
    const reason = await ask({
      title: `Cancel order ${number}`,
      label: 'Reason',
      confirm: 'Cancel the order',
      required: true,
    });
    if (reason) {
      await act(cancel, () => api(`/orders/${hold.order.id}/cancel`, { method: 'POST', body: { reason } }), {
        done: `Order ${number} is cancelled`,
        after: reload,
      });
    }
  };
  return h('div', { class: 'row-actions' }, assign, release, cancel);
}

function holdTable(holds, slas, me, reload) {
  return table(
    'Open holds, oldest first',
    [
      ['Order', (x) => h('a', { href: `#/orders/${x.order.id}` }, String(x.order.number))],
      ['Queue', (x) => words(x.queue)],
      ['Reason', (x) => [x.reason, x.note ? h('div', { class: 'muted' }, x.note) : null]],
      ['Age', (x) => age(x.created_at)],
      [
        'SLA',
        (x) => {
          const sla = slaOf(x, slas.hoursOf);
          return badge(sla.label, sla.tone);
        },
      ],
      ['Assignee', (x) => x.assignee ?? '—'],
      ['Channel', (x) => x.order.channel],
      ['', (x) => holdActions(x, me, reload)],
    ],
    holds,
  );
}

export async function queuesPage(view, { me, query: params }) {
  const queue = h(
    'select',
    { name: 'queue' },
    h('option', { value: '' }, 'All queues'),
    holdQueues.map((q) => h('option', { value: q }, words(q))),
  );
  queue.value = params.get('queue') ?? '';
  const mine = h('input', { type: 'checkbox', name: 'mine' });
  const summary = h('div', {});
  const list = h('div', {});
  const reload = async () => {
    const slas = await loadSlas();
    summary.replaceChildren(queueSummary(slas.queues, queue.value, pick) ?? '');
    await loadInto(list, async () => {
      const q = {
        status: 'open',
        queue: queue.value,
        assignee: mine.checked ? me.name : '',
        limit: 25,
        cursor: pager.cursor,
      };
      const page = await api(`/holds${query(q)}`);
      return [holdTable(page.data, slas, me, reload), pager.controls(page.next_cursor)];
    });
  };
  const pager = createPager(reload);
  const refilter = () => {
    pager.reset();
    reload();
  };
  const pick = (q) => {
    queue.value = q;
    refilter();
  };
  queue.onchange = refilter;
  mine.onchange = refilter;
  const filters = h(
    'form',
    { class: 'filters', onsubmit: (e) => e.preventDefault() },
    field('Queue', queue),
    h('label', { class: 'check' }, mine, 'Assigned to me'),
  );
  view.append(title('Queues'), summary, filters, list);
  await reload();
}
