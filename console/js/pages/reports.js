// Reports: the operations KPIs as charts (orders per day, cycle time, on-time rates, backlog by age),
// each with its numbers as a table and as a CSV file.
import { api, downloadCsv, query } from '../api.js';
import { barChart, columnChart } from '../charts.js';
import { field, h, section, table } from '../dom.js';
import { act, failure, title } from '../ui.js';

const percent = (rate) => `${Math.round(rate * 1000) / 10} %`;
const hours = (value) => `${value} h`;
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A section with a chart, the numbers as a table, and a CSV button for `report`'s `csvTable`. */
function chartSection(name, chart, numbers, [report, csvTable], filters) {
  const csv = h('button', { type: 'button' }, 'Download CSV');
  csv.onclick = () =>
    act(csv, () =>
      downloadCsv(
        `/reports/${report}${query({ ...filters, table: csvTable })}`,
        `ordo-${report}-${csvTable}.csv`,
      ),
    );
  return section(
    name,
    h('figure', {}, chart),
    h('details', {}, h('summary', {}, 'The numbers'), numbers),
    csv,
  );
}

/** Every day of the report's window, as YYYY-MM-DD, so days without orders show as zero. */
function daysOf({ from, to }) {
  const days = [];
  const day = new Date(`${from}T00:00:00Z`);
  while (day.toISOString().slice(0, 10) <= to) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

function ordersPerDay(report) {
  const days = new Map();
  for (const row of report.by_day) {
    days.set(row.day, (days.get(row.day) ?? 0) + row.orders);
  }
  const items = daysOf(report.filters).map((day) => ({ label: day.slice(5), value: days.get(day) ?? 0 }));
  const chart = columnChart('Orders placed per day', items, { labelEvery: Math.ceil(items.length / 10) });
  return [
    chart,
    table(
      'Orders per day',
      [
        ['Day', (i) => i.label],
        ['Orders', (i) => i.value],
      ],
      items,
    ),
  ];
}

function fulfillmentCharts(report) {
  const s = report.summary[0] ?? {};
  const cycle = [
    { label: 'Capture → shipped, p50', value: s.ship_cycle_p50_hours ?? null },
    { label: 'Capture → shipped, p90', value: s.ship_cycle_p90_hours ?? null },
    { label: 'Shipped → delivered, p50', value: s.delivery_p50_hours ?? null },
    { label: 'Shipped → delivered, p90', value: s.delivery_p90_hours ?? null },
  ];
  const rates = [
    { label: 'On-time ship', value: s.on_time_ship_rate ?? null, tone: 'good' },
    { label: 'On-time delivery', value: s.on_time_delivery_rate ?? null, tone: 'good' },
    { label: 'Line fill', value: s.line_fill_rate ?? null, tone: 'good' },
    { label: 'Split shipments', value: s.split_shipment_rate ?? null, tone: 'warn' },
  ];
  const numbers = (items, format) =>
    table(
      'Figures',
      [
        ['Measure', (i) => i.label],
        ['Value', (i) => (i.value === null ? 'n/a' : format(i.value))],
      ],
      items,
    );
  return {
    cycle: [barChart('Cycle time in hours', cycle, { format: hours }), numbers(cycle, hours)],
    rates: [barChart('On-time and fill rates', rates, { format: percent, max: 1 }), numbers(rates, percent)],
  };
}

const buckets = [
  ['under_1_day', '< 1 day'],
  ['days_1_to_3', '1–3 days'],
  ['days_3_to_7', '3–7 days'],
  ['over_7_days', '> 7 days'],
];

function backlogByAge(report) {
  const sum = (rows, key) => rows.reduce((total, row) => total + row[key], 0);
  const items = buckets.map(([key, label]) => ({
    label,
    value: sum(report.totals, key),
    tone: key === 'over_7_days' ? 'bad' : '',
  }));
  const levels = table(
    'Open orders by service level and age',
    [
      ['Service level', (r) => `${r.service_level}${r.expedited ? ' (expedited)' : ''}`],
      ...buckets.map(([key, label]) => [label, (r) => r[key]]),
      ['Total', (r) => r.total],
    ],
    report.totals,
  );
  return [columnChart('Open orders by age', items), levels];
}

async function renderReports(out, filters) {
  out.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const get = (name) => api(`/reports/${name}${query(filters)}`);
  const [orders, fulfillment, backlog] = await Promise.all([
    get('orders'),
    get('fulfillment'),
    get('backlog'),
  ]);
  const f = fulfillmentCharts(fulfillment);
  out.replaceChildren(
    chartSection('Orders per day', ...ordersPerDay(orders), ['orders', 'by_day'], filters),
    chartSection('Cycle time', ...f.cycle, ['fulfillment', 'summary'], filters),
    chartSection('On-time rate', ...f.rates, ['fulfillment', 'summary'], filters),
    chartSection('Backlog by age', ...backlogByAge(backlog), ['backlog', 'totals'], filters),
  );
}

export async function reportsPage(view, { me, query: params }) {
  const from = h('input', { type: 'date', name: 'from', value: params.get('from') ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: params.get('to') ?? '' });
  const channel = h('input', { name: 'channel', value: params.get('channel') ?? '', autocomplete: 'off' });
  const out = h('div', {});
  const filters = () => ({
    from: from.value,
    to: to.value,
    time_zone: timeZone,
    channel: me.channel ? '' : channel.value.trim(),
  });
  const run = () => renderReports(out, filters()).catch((err) => out.replaceChildren(failure(err)));
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        run();
      },
    },
    field('From', from),
    field('To', to),
    me.channel ? null : field('Channel', channel),
    h('button', { type: 'submit', class: 'primary' }, 'Show'),
  );
  view.append(
    title(
      'Reports',
      h('p', { class: 'muted' }, `Days counted in ${timeZone}; the last 30 days unless you choose.`),
    ),
    form,
    out,
  );
  await run();
}
