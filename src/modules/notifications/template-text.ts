/**
 * The template language: text with `{{name}}` placeholders and nothing else (no logic, no partials).
 * In HTML every value is escaped; a literal `{{` cannot be written (a template is a message, not code).
 */

export type TemplateProblem = { at: number; detail: string };

const placeholder = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g;

/** The placeholders a template uses, or the first thing wrong with its syntax. */
export function parseTemplate(source: string): { names: string[] } | { problem: TemplateProblem } {
  const names: string[] = [];
  let rest = '';
  let last = 0;
  for (const match of source.matchAll(placeholder)) {
    rest += source.slice(last, match.index);
    rest += ' '.repeat(match[0].length);
    last = match.index + match[0].length;
    names.push(match[1] as string);
  }
  rest += source.slice(last);
  const open = rest.indexOf('{{');
  if (open >= 0) {
    return {
      problem: {
        at: open,
        detail: `has "{{" at character ${open + 1} that does not start a placeholder such as {{order_number}} (lower-case letters, digits and _ between {{ and }})`,
      },
    };
  }
  const close = rest.indexOf('}}');
  if (close >= 0) {
    return { problem: { at: close, detail: `has "}}" at character ${close + 1} without a matching "{{"` } };
  }
  return { names };
}

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);

/** The template with every placeholder replaced by its value ('' when there is none), escaped for HTML if asked. */
export function renderTemplate(
  source: string,
  values: Readonly<Record<string, string>>,
  options: { html?: boolean } = {},
): string {
  return source.replace(placeholder, (_whole, name: string) => {
    const value = Object.hasOwn(values, name) ? (values[name] ?? '') : '';
    return options.html ? escapeHtml(value).replaceAll('\n', '<br>\n') : value;
  });
}
