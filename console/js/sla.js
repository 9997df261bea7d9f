// A hold's SLA: how long it may stay open in its queue. The holds report names each queue's SLA (the
// figure it counts "past SLA" against); without it, the tightest enabled `hold_age` alert rule covering
// the queue stands in. Past three quarters of the SLA a hold is due soon.
import { api } from './api.js';

export const holdQueues = [
  'payments',
  'address_review',
  'fraud_review',
  'inventory',
  'routing_review',
  'credit',
  'customer_service',
  'returns',
];

const covers = (rule, queue) =>
  rule.kind === 'hold_age' && rule.enabled !== false && (!rule.queues || rule.queues.includes(queue));

/**
 * { queues: the holds report's rows (or null), hoursOf(queue) }: the SLA hours of a queue, null when
 * none is known.
 */
export async function loadSlas() {
  const report = await api('/reports/holds').catch(() => null);
  if (report?.by_queue) {
    const hours = new Map(report.by_queue.map((row) => [row.queue, row.sla_hours]));
    return { queues: report.by_queue, hoursOf: (queue) => hours.get(queue) ?? null };
  }
  const rules = await api('/alerts/rules')
    .then((set) => set.rules)
    .catch(() => []);
  return {
    queues: null,
    hoursOf: (queue) => {
      const hours = rules.filter((rule) => covers(rule, queue)).map((rule) => rule.hours ?? 0);
      return hours.length === 0 ? null : Math.min(...hours);
    },
  };
}

/** { label, tone } of a hold against its queue's SLA. */
export function slaOf(hold, hoursOf, now = Date.now()) {
  const limit = hoursOf(hold.queue);
  if (limit === null) {
    return { label: 'No SLA', tone: 'neutral' };
  }
  const open = (now - new Date(hold.created_at).getTime()) / 3_600_000;
  if (open >= limit) {
    return { label: `Past SLA (${limit} h)`, tone: 'bad' };
  }
  if (open >= limit * 0.75) {
    return { label: `Due soon (${limit} h)`, tone: 'warn' };
  }
  return { label: `Within SLA (${limit} h)`, tone: 'good' };
}
