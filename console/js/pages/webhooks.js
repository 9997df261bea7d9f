// Webhooks: subscriptions and how they fare; a subscription's failing deliveries, retry and replay.
import { api, query } from '../api.js';
import { badge, facts, field, h, section, table } from '../dom.js';
import { time } from '../format.js';
import { act, createPager, loadInto, title } from '../ui.js';

const health = (s) =>
  !s.active
    ? badge('disabled', 'bad')
    : s.failing_since
      ? badge(`failing since ${time(s.failing_since)}`, 'warn')
      : badge('healthy', 'good');

export async function webhooksPage(view) {
  const list = h('div', {});
  const load = () =>
    loadInto(list, async () => {
      const page = await api(`/webhooks${query({ limit: 25, cursor: pager.cursor })}`);
      return [
        table(
          'Webhook subscriptions',
          [
            ['URL', (s) => h('a', { href: `#/webhooks/${s.id}` }, s.url)],
            ['Events', (s) => s.event_types.join(', ')],
            ['Channel', (s) => s.channel ?? 'all'],
            ['State', health],
            ['Note', (s) => s.disabled_reason ?? s.description ?? '—'],
          ],
          page.data,
        ),
        pager.controls(page.next_cursor),
      ];
    });
  const pager = createPager(load);
  view.append(title('Webhooks'), list);
  await load();
}

function replayForm(id) {
  const from = h('input', { type: 'number', min: 1, required: true, name: 'from' });
  const to = h('input', { type: 'number', min: 1, required: true, name: 'to' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Replay');
  const onsubmit = (event) => {
    event.preventDefault();
    const body = { from_sequence: Number(from.value), to_sequence: Number(to.value) };
    act(submit, () => api(`/webhooks/${id}/replay`, { method: 'POST', body }), {
      done: (r) => `${r.deliveries} deliveries queued`,
    });
  };
  return section(
    'Replay events',
    h('p', { class: 'muted' }, 'Send a range of events (by feed sequence) again.'),
    h('form', { class: 'filters', onsubmit }, field('From sequence', from), field('To sequence', to), submit),
  );
}

export async function webhookPage(view, { params }) {
  const subscription = await api(`/webhooks/${encodeURIComponent(params.id)}`);
  const status = h(
    'select',
    { name: 'status' },
    ['exhausted', 'pending', 'delivered'].map((s) => h('option', { value: s }, s)),
  );
  const list = h('div', {});
  const retry = (d) => {
    if (d.status === 'delivered') {
      return null;
    }
    const button = h('button', { type: 'button', 'aria-label': `Retry now: delivery ${d.id}` }, 'Retry now');
    button.onclick = () =>
      act(button, () => api(`/webhook-deliveries/${d.id}/retry`, { method: 'POST' }), {
        done: 'Queued for another try',
        after: load,
      });
    return button;
  };
  const load = () =>
    loadInto(list, async () => {
      const page = await api(
        `/webhooks/${subscription.id}/deliveries${query({ status: status.value, limit: 25, cursor: pager.cursor })}`,
      );
      return [
        table(
          'Deliveries',
          [
            ['Event', (d) => `#${d.event.sequence} ${d.event.type}`],
            ['Attempts', (d) => d.attempts],
            ['Last answer', (d) => d.last_error ?? (d.last_status === null ? '—' : `HTTP ${d.last_status}`)],
            ['Next try', (d) => time(d.next_attempt_at)],
            ['Created', (d) => time(d.created_at)],
            ['', retry],
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
    title('Webhook subscription', health(subscription)),
    facts([
      ['URL', subscription.url],
      ['Events', subscription.event_types.join(', ')],
      ['Channel', subscription.channel ?? 'all'],
      ['Failing since', time(subscription.failing_since)],
      ['Disabled because', subscription.disabled_reason],
    ]),
    section(
      'Deliveries',
      h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, field('Status', status)),
      list,
    ),
    replayForm(subscription.id),
  );
  await load();
}
