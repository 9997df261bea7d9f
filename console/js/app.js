// The console's shell: sign-in, the navigation (only what the key may use) and the hash router.
import { api, session, whenUnauthorized } from './api.js';
import { field, h } from './dom.js';
import { alertsPage } from './pages/alerts.js';
import { orderPage } from './pages/order.js';
import { ordersPage } from './pages/orders.js';
import { queuesPage } from './pages/queues.js';
import { reportsPage } from './pages/reports.js';
import { stockPage } from './pages/stock.js';
import { webhookPage, webhooksPage } from './pages/webhooks.js';
import { can, failure } from './ui.js';

const pages = [
  { path: 'queues', label: 'Queues', scope: 'orders:read', render: queuesPage },
  { path: 'orders', label: 'Orders', scope: 'orders:read', render: ordersPage },
  { path: 'orders/:id', scope: 'orders:read', render: orderPage },
  { path: 'stock', label: 'Stock', scope: 'inventory:read', render: stockPage },
  { path: 'alerts', label: 'Alerts', scope: 'orders:read', render: alertsPage },
  { path: 'webhooks', label: 'Webhooks', scope: 'webhooks:write', render: webhooksPage },
  { path: 'webhooks/:id', scope: 'webhooks:write', render: webhookPage },
  { path: 'reports', label: 'Reports', scope: 'orders:read', render: reportsPage },
];

let me = null;
const main = () => document.getElementById('main');

/** `#/orders/12?x=1` -> the page for `orders/:id`, { id: '12' } and the query. */
function match(hash) {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').map(decodeURIComponent);
  for (const page of pages) {
    const pattern = page.path.split('/');
    if (pattern.length === parts.length && pattern.every((p, i) => p.startsWith(':') || p === parts[i])) {
      const params = Object.fromEntries(
        pattern.flatMap((p, i) => (p.startsWith(':') ? [[p.slice(1), parts[i]]] : [])),
      );
      return { page, params, query: new URLSearchParams(search) };
    }
  }
  return null;
}

function renderNav() {
  const current = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const links = pages
    .filter((page) => page.label && can(me, page.scope))
    .map((page) =>
      h('a', { href: `#/${page.path}`, 'aria-current': page.path === current ? 'page' : null }, page.label),
    );
  document.getElementById('nav').replaceChildren(...links);
  const who = me.channel ? `${me.name} · ${me.channel} only` : me.name;
  document.getElementById('who').replaceChildren(who);
  document.getElementById('account').hidden = false;
}

async function route() {
  if (!me) {
    return;
  }
  const found = match(location.hash);
  const first = pages.find((page) => page.label && can(me, page.scope));
  if (!found || !can(me, found.page.scope)) {
    location.replace(first ? `#/${first.path}` : '#/');
    if (!first) {
      main().replaceChildren(h('p', {}, 'This key has no scope the console can use.'));
    }
    return;
  }
  renderNav();
  document.title = `${found.page.label ?? 'Order'} · Ordo console`;
  const view = h('div', { class: 'page' });
  main().replaceChildren(view);
  try {
    await found.page.render(view, { me, params: found.params, query: found.query });
  } catch (err) {
    view.append(failure(err));
  }
  view.querySelector('h1')?.focus();
}

function signIn(message) {
  me = null;
  document.getElementById('account').hidden = true;
  document.getElementById('nav').replaceChildren();
  document.title = 'Sign in · Ordo console';
  const input = h('input', {
    type: 'password',
    name: 'key',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const note = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const submit = async (event) => {
    event.preventDefault();
    note.textContent = '';
    try {
      me = await api('/api-keys/current', { key: input.value.trim() });
      session.start(input.value.trim());
      await route();
    } catch (err) {
      note.textContent = err.status === 401 ? 'That key is unknown or revoked.' : err.message;
    }
  };
  const form = h(
    'form',
    { class: 'sign-in', onsubmit: submit },
    h('h1', {}, 'Ordo console'),
    h('p', {}, 'Sign in with an API key. It stays in this tab only and is forgotten when you close it.'),
    field('API key', input),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    note,
  );
  main().replaceChildren(form);
  input.focus();
}

function signOut() {
  session.end();
  signIn();
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', signOut);
  whenUnauthorized(() => {
    session.end();
    signIn('The key is no longer accepted: sign in again.');
  });
  window.addEventListener('hashchange', route);
  if (!session.key()) {
    signIn();
    return;
  }
  try {
    me = await api('/api-keys/current');
    await route();
  } catch (err) {
    session.end();
    signIn(err.status === 401 ? undefined : err.message);
  }
}

start();
