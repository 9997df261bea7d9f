// An order's timeline: who did what, when, oldest first, a page at a time.
import { api, query } from '../api.js';
import { h, section } from '../dom.js';
import { time } from '../format.js';
import { failure } from '../ui.js';

const actorOf = (actor) => {
  if (!actor) {
    return 'unknown';
  }
  return actor.type === 'system' ? `system (${actor.name ?? 'worker'})` : (actor.name ?? actor.type);
};

const entry = (e) =>
  h(
    'li',
    {},
    h('time', { datetime: e.occurred_at }, time(e.occurred_at)),
    h('span', { class: 'who' }, actorOf(e.actor)),
    h('span', { class: 'what' }, e.summary),
    h('code', { class: 'muted' }, e.type),
  );

export function timelineSection(orderId) {
  const list = h('ol', { class: 'timeline' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  const holder = section('Timeline', list, more);
  let cursor;
  const load = async () => {
    more.disabled = true;
    try {
      const page = await api(`/orders/${orderId}/timeline${query({ limit: 50, cursor })}`);
      list.append(...page.data.map(entry));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      holder.append(failure(err));
    } finally {
      more.disabled = false;
    }
  };
  more.onclick = load;
  load();
  return holder;
}
