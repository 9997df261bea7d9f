// Bar charts drawn as SVG with DOM calls: no library, no inline style (the CSP allows none); colours
// come from classes in console.css. Each chart is an image with a text alternative.

const ns = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(ns, tag);
  for (const [name, value] of Object.entries(attrs)) {
    el.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

const frame = (label, width, height) => {
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
    class: 'chart',
  });
  root.append(svg('title', {}, label));
  return root;
};

/**
 * Vertical bars, one per item ({ label, value }), labels under every `labelEvery`-th bar; `format`
 * writes a value. An empty list draws a message instead.
 */
export function columnChart(label, items, { format = String, labelEvery = 1 } = {}) {
  const width = 640;
  const height = 220;
  const root = frame(label, width, height);
  if (items.length === 0) {
    root.append(
      svg(
        'text',
        { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'axis' },
        'No data in this window',
      ),
    );
    return root;
  }
  const top = Math.max(...items.map((i) => i.value), 1);
  const plot = { x: 36, y: 16, w: width - 44, h: height - 52 };
  const step = plot.w / items.length;
  root.append(
    svg('line', {
      x1: plot.x,
      y1: plot.y + plot.h,
      x2: plot.x + plot.w,
      y2: plot.y + plot.h,
      class: 'axis-line',
    }),
  );
  root.append(
    svg('text', { x: plot.x - 4, y: plot.y + 4, 'text-anchor': 'end', class: 'axis' }, format(top)),
  );
  items.forEach((item, i) => {
    const barH = (item.value / top) * plot.h;
    const x = plot.x + i * step + step * 0.15;
    const bar = svg('rect', {
      x,
      y: plot.y + plot.h - barH,
      width: step * 0.7,
      height: Math.max(barH, 0),
      class: `bar ${item.tone ?? ''}`,
    });
    bar.append(svg('title', {}, `${item.label}: ${format(item.value)}`));
    root.append(bar);
    if (i % labelEvery === 0) {
      root.append(
        svg(
          'text',
          { x: x + step * 0.35, y: height - 20, 'text-anchor': 'middle', class: 'axis' },
          item.label,
        ),
      );
    }
  });
  return root;
}

/** Horizontal bars against a fixed `max` (1 for rates), each labelled with its value; null shows "n/a". */
export function barChart(label, items, { format = String, max } = {}) {
  const width = 640;
  const row = 34;
  const height = items.length * row + 12;
  const root = frame(label, width, height);
  const top = max ?? Math.max(...items.map((i) => i.value ?? 0), 1);
  const plot = { x: 200, w: width - 290 };
  items.forEach((item, i) => {
    const y = 6 + i * row;
    root.append(svg('text', { x: plot.x - 8, y: y + 19, 'text-anchor': 'end', class: 'axis' }, item.label));
    root.append(svg('rect', { x: plot.x, y: y + 4, width: plot.w, height: 22, class: 'track' }));
    const w = item.value === null ? 0 : (item.value / top) * plot.w;
    root.append(
      svg('rect', {
        x: plot.x,
        y: y + 4,
        width: Math.max(w, 0),
        height: 22,
        class: `bar ${item.tone ?? ''}`,
      }),
    );
    root.append(
      svg(
        'text',
        { x: plot.x + plot.w + 8, y: y + 19, class: 'value' },
        item.value === null ? 'n/a' : format(item.value),
      ),
    );
  });
  return root;
}
