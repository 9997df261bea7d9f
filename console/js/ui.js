// Shared pieces of every page: what the key may do, messages, the question dialog, pagination.
import { field, h } from './dom.js';

/** Whether the signed-in key has a scope (`admin` has them all). */
export const can = (me, scope) => me.scopes.includes('admin') || me.scopes.includes(scope);

/** A short message in the live region at the bottom of the screen. */
export function toast(message, tone = 'ok') {
  const region = document.getElementById('toast');
  region.replaceChildren(h('p', { class: `toast ${tone}` }, message));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => region.replaceChildren(), 6000);
}

/** An error shown where the content would be. */
export const failure = (err) => h('p', { class: 'error', role: 'alert' }, err.message || String(err));

/** Runs an action behind a button: disables it meanwhile, reports success or failure, then `after`. */
export async function act(button, run, { done, after } = {}) {
  button.disabled = true;
  try {
    const result = await run();
    if (done) {
      toast(typeof done === 'function' ? done(result) : done);
    }
    await after?.(result);
    return result;
  } catch (err) {
    toast(err.message || String(err), 'bad');
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/**
 * Asks for a line of text in a modal dialog; resolves with it, or null when cancelled. `required`
 * refuses an empty answer (a cancellation needs its reason).
 */
export function ask({ title, label, confirm = 'OK', required = false, value = '' }) {
  return new Promise((resolve) => {
    const input = h('textarea', { rows: 3, maxlength: 1000, required, value });
    const heading = h('h2', { id: 'dialog-title' }, title);
    const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' });
    const cancel = h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Back');
    const form = h(
      'form',
      {
        onsubmit: (event) => {
          event.preventDefault();
          if (required && input.value.trim() === '') {
            input.reportValidity();
            return;
          }
          dialog.close('ok');
        },
      },
      heading,
      field(label, input),
      h('div', { class: 'actions' }, cancel, h('button', { type: 'submit', class: 'primary' }, confirm)),
    );
    dialog.append(form);
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok' ? input.value.trim() : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

/**
 * Cursor pagination: remembers the cursors of the pages before this one, so Previous works too.
 * `cursor` is the current page's; `controls(next_cursor)` renders the buttons.
 */
export function createPager(reload) {
  const before = [];
  const pager = {
    cursor: undefined,
    reset() {
      before.length = 0;
      pager.cursor = undefined;
    },
    controls(nextCursor) {
      const previous = () => {
        pager.cursor = before.pop();
        reload();
      };
      const next = () => {
        before.push(pager.cursor);
        pager.cursor = nextCursor;
        reload();
      };
      return h(
        'nav',
        { class: 'pager', 'aria-label': 'Pages' },
        h('button', { type: 'button', disabled: before.length === 0, onclick: previous }, 'Previous'),
        h('span', {}, `Page ${before.length + 1}`),
        h('button', { type: 'button', disabled: !nextCursor, onclick: next }, 'Next page'),
      );
    },
  };
  return pager;
}

/** A page heading; the router focuses it so screen readers announce the new page. */
export const title = (text, ...extra) =>
  h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, text), ...extra);

/** A place that loads: shows "Loading…", then what `load` returns, or the error. */
export async function loadInto(container, load) {
  container.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    container.replaceChildren(...[await load()].flat());
  } catch (err) {
    container.replaceChildren(failure(err));
  }
}
