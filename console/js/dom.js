// Builds DOM nodes. Text always goes in as text nodes: nothing here ever parses a string as HTML, so
// whatever a customer or channel wrote (names, notes, addresses) is shown as written and never runs.

/**
 * h('button', { class: 'primary', onclick: fn, 'aria-label': 'x' }, 'Text', childNode, [more]).
 * Props starting with `on` become listeners; `class`, `for` and the rest become attributes
 * (`true` sets an empty attribute, `false`/`null`/`undefined` leaves it out).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value') {
      el.value = value ?? '';
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children: nodes as they are, strings and numbers as text, arrays flattened, empties skipped. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A table with a caption, header row and one row per item; `columns` are [heading, item => cell]. */
export function table(caption, columns, items, options = {}) {
  const head = h(
    'tr',
    {},
    columns.map(([heading]) => h('th', { scope: 'col' }, heading)),
  );
  const rows = items.map((item) =>
    h(
      'tr',
      options.rowClass ? { class: options.rowClass(item) } : {},
      columns.map(([heading, cell]) => h('td', { 'data-label': heading }, cell(item))),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'list' },
      h('caption', {}, caption),
      h('thead', {}, head),
      h(
        'tbody',
        {},
        rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: columns.length }, 'Nothing here.')),
      ),
    ),
  );
}

/** A definition list of [term, value] pairs; values may be nodes. */
export const facts = (pairs) =>
  h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value ?? '—')]),
  );

export const section = (title, ...children) =>
  h('section', { 'aria-label': title }, h('h2', {}, title), ...children);

/** A labelled form field: `input` is the control element; the label points at it. */
let fieldCount = 0;
export function field(label, input) {
  fieldCount += 1;
  const id = input.id || `f${fieldCount}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** A status word as a badge; the word itself carries the meaning, the colour only repeats it. */
export const badge = (text, tone = 'neutral') => h('span', { class: `badge ${tone}` }, text);
