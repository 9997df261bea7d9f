import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// `tsx scripts/check-table-owners.ts [root]`: every table has one writer module (docs/architecture.md).
// Flags raw SQL and drizzle writes, and emitted event types, outside the owner's folder.

/** Who writes which table: a module under src/modules, or a folder path. */
const owners: Record<string, string[]> = {
  orders: ['orders', 'order_lines', 'holds', 'backorder_promises'],
  inventory: [
    'inventory_levels',
    'inventory_movements',
    'inventory_feeds',
    'safety_stock_overrides',
    'location_feeds',
  ],
  allocation: ['reservations'],
  fulfillment: ['shipments', 'shipment_lines', 'pick_lists', 'bin_placements', 'packing_rule_sets'],
  returns: ['returns', 'return_lines', 'return_receipts', 'refunds'],
  catalog: [
    'products',
    'product_barcodes',
    'product_components',
    'locations',
    'location_channels',
    'channels',
  ],
  carriers: ['carriers', 'carrier_services'],
  routing: ['routing_rule_sets', 'location_daily_usage'],
  transfers: ['transfers', 'transfer_lines'],
  inbound: ['inbound_shipments', 'inbound_shipment_lines', 'inbound_receipts'],
  accounts: ['accounts', 'account_buyers', 'invoices', 'account_payments', 'payment_allocations'],
  fraud: ['fraud_rule_sets'],
  events: ['events'],
  webhooks: ['webhook_subscriptions', 'webhook_deliveries', 'webhook_attempts'],
  'api-keys': ['api_keys'],
  alerts: ['alert_rule_sets', 'alerts'],
  connectors: [
    'shopify_connectors',
    'shopify_deliveries',
    'shopify_orders',
    'shopify_inbox',
    'shopify_stock_pushes',
    'shopify_fulfilments',
  ],
  tracking: ['status_links', 'instance_secrets'],
  notifications: ['notification_settings', 'notification_templates', 'notifications', 'notification_cursor'],
  'src/http': ['idempotency_keys'],
};
/** Columns written by another module than the table's owner; `updated_at` goes with any write. */
const columnOwners: Record<string, Record<string, string>> = {
  inventory_levels: { on_hand: 'inventory', reserved: 'allocation' },
};
/** Event type family -> the module that emits it. */
const eventOwners: Record<string, string> = {
  'order.': 'orders',
  'shipment.': 'fulfillment',
  'return.': 'returns',
  'refund.': 'returns',
  'inventory.': 'inventory',
  'transfer.': 'transfers',
  'inbound_shipment.': 'inbound',
  'account.': 'accounts',
  'invoice.': 'accounts',
  'webhook.': 'webhooks',
  'alert.': 'alerts',
  'status_link.': 'tracking',
  'notification.': 'notifications',
};
/** Files that name event types without emitting them. */
const documentsEvents = /\.(schemas|routes)\.ts$|^src\/modules\/events\//;

type Write = { at: number; what: string; owner: string };

const folderOf = (owner: string) => (owner.includes('/') ? owner : `src/modules/${owner}`);
const lineOf = (text: string, at: number) => text.slice(0, at).split('\n').length;
const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const tableOwners = new Map(
  Object.entries(owners).flatMap(([owner, names]) => names.map((name) => [name, folderOf(owner)] as const)),
);

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const files = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => path.posix.join('src', file.split(path.sep).join('/')))
  .sort();
const isSchema = (file: string) => file.startsWith('src/db/schema/');

/** Drizzle export name -> SQL table name, from `export const x = pgTable('x', ...)`. */
const tables = new Map<string, string>();
const problems: string[] = [];
for (const file of files.filter(isSchema)) {
  const text = readFileSync(path.join(root, file), 'utf8');
  for (const match of text.matchAll(/export const (\w+)\s*=\s*pgTable\(\s*['"`](\w+)['"`]/g)) {
    const [, name = '', table = ''] = match;
    tables.set(name, table);
    if (!tableOwners.has(table)) {
      problems.push(
        `${file}:${lineOf(text, match.index)}: ${table} has no owner in scripts/check-table-owners.ts`,
      );
    }
  }
}

const tableRef = String.raw`(?:"?public"?\.)?(?:"(\w+)"|(\w+)|\$\{\s*(\w+)\s*\})`;
const sqlWrites = [
  String.raw`\bINSERT\s+INTO\s+${tableRef}`,
  String.raw`(?<!\bFOR\s+(?:NO\s+KEY\s+)?)\bUPDATE\s+(?:ONLY\s+)?${tableRef}(?:\s+(?:AS\s+)?\w+)?\s+SET\b`,
  String.raw`\bDELETE\s+FROM\s+(?:ONLY\s+)?${tableRef}`,
  String.raw`\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${tableRef}`,
  String.raw`\bMERGE\s+INTO\s+${tableRef}`,
].map((source) => new RegExp(source, 'gi'));
/** A SET item's column: `col =`, `alias.col =` or `"col" =`. */
const assignment = /(?:^|,)\s*(?:\w+\.)?"?(\w+)"?\s*=(?!=)/g;

/** Who owns a write to `table` setting `columns` (none known: the table's owner). */
function writesOf(at: number, table: string, columns: string[]): Write[] {
  const byColumn = columnOwners[table] ?? {};
  const owner = tableOwners.get(table) ?? '';
  const assigned = columns.filter((column) => column !== 'updated_at');
  if (assigned.length === 0) {
    return [{ at, what: table, owner }];
  }
  return assigned.map((column) => {
    const columnOwner = byColumn[column];
    return columnOwner
      ? { at, what: `${table}.${column}`, owner: folderOf(columnOwner) }
      : { at, what: table, owner };
  });
}

/** INSERT/UPDATE/DELETE/TRUNCATE/MERGE of a known table in the source text of one string or template. */
function sqlWritesIn(node: ts.Node, source: ts.SourceFile): Write[] {
  const text = node.getText(source);
  return sqlWrites.flatMap((pattern) =>
    [...text.matchAll(pattern)].flatMap((match) => {
      const table = match[1] ?? match[2] ?? tables.get(match[3] ?? '') ?? '';
      if (!tableOwners.has(table)) {
        return [];
      }
      const rest = text.slice(match.index + match[0].length);
      const setClause = /SET$/i.test(match[0]) ? (rest.split(/\b(?:FROM|WHERE|RETURNING)\b/i)[0] ?? '') : '';
      const columns = [...setClause.matchAll(assignment)].map((item) => item[1] ?? '');
      return writesOf(node.getStart(source) + match.index, table, columns);
    }),
  );
}

/** `db.insert(t)`, `tx.update(t).set({ ... })` or `tx.delete(t)` with `t` a drizzle table. */
function drizzleWrite(node: ts.CallExpression, source: ts.SourceFile): Write[] {
  const [callee, arg] = [node.expression, node.arguments[0]];
  if (!ts.isPropertyAccessExpression(callee) || !['insert', 'update', 'delete'].includes(callee.name.text)) {
    return [];
  }
  // `orders` or `schema.orders`
  const name = arg && (ts.isPropertyAccessExpression(arg) ? arg.name.text : arg.getText(source));
  const table = tables.get(name ?? '');
  if (!table) {
    return [];
  }
  const chained = node.parent;
  const setCall =
    ts.isPropertyAccessExpression(chained) && chained.name.text === 'set' ? chained.parent : undefined;
  const values = setCall && ts.isCallExpression(setCall) ? setCall.arguments[0] : undefined;
  const columns =
    callee.name.text === 'update' && values && ts.isObjectLiteralExpression(values)
      ? values.properties.map((property) => snakeCase(property.name?.getText(source) ?? ''))
      : [];
  return writesOf(callee.name.getStart(source), table, columns);
}

/** `type: 'order.x'`, `` type: `order.${s}` `` or `type: c ? 'order.x' : ...`: an emitted event type. */
function eventTypes(node: ts.Expression, source: ts.SourceFile): Write[] {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
    return eventTypes(node.expression, source);
  }
  if (ts.isConditionalExpression(node)) {
    return [...eventTypes(node.whenTrue, source), ...eventTypes(node.whenFalse, source)];
  }
  const text = ts.isStringLiteralLike(node) ? node.text : ts.isTemplateExpression(node) ? node.head.text : '';
  const family = Object.keys(eventOwners).find((prefix) => text.startsWith(prefix));
  const owner = family && eventOwners[family];
  return owner ? [{ at: node.getStart(source), what: `${family}*`, owner: folderOf(owner) }] : [];
}

function writesIn(file: string, text: string): Write[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Write[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateExpression(node)) {
      found.push(...sqlWritesIn(node, source));
    } else if (ts.isCallExpression(node)) {
      found.push(...drizzleWrite(node, source));
    } else if (ts.isPropertyAssignment(node) && /^['"]?type['"]?$/.test(node.name.getText(source))) {
      found.push(...(documentsEvents.test(file) ? [] : eventTypes(node.initializer, source)));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const checked = files.filter((file) => !isSchema(file));
for (const file of checked) {
  const text = readFileSync(path.join(root, file), 'utf8');
  const lines = writesIn(file, text)
    .filter((write) => !file.startsWith(`${write.owner}/`))
    .map((write) => `${file}:${lineOf(text, write.at)}: ${write.what} is written by ${write.owner}`);
  problems.push(...new Set(lines.map((line) => `${line}; call its transitions instead`)));
}

if (problems.length > 0) {
  process.stdout.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`check-table-owners: ${checked.length} files, every table written only by its owner\n`);
