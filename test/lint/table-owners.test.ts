import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, code, makeFixture, projectRoot, removeFixtures, run } from './fixture.js';

const script = path.join(projectRoot, 'scripts', 'check-table-owners.ts');

const schema: Record<string, string> = {
  'src/db/schema/orders.ts': code(
    "import { pgTable, text } from 'drizzle-orm/pg-core';",
    'export const orders = pgTable(',
    "  'orders',",
    "  { status: text('status') },",
    '  (t) => [],',
    ');',
    "export const orderLines = pgTable('order_lines', { sku: text('sku') });",
  ),
  'src/db/schema/inventory.ts': code(
    "import { integer, pgTable } from 'drizzle-orm/pg-core';",
    'export const inventoryLevels = pgTable(',
    "  'inventory_levels',",
    "  { onHand: integer('on_hand'), reserved: integer('reserved') },",
    ');',
  ),
};

/** Each module writes only its own tables, columns and event types; reads and locks are anyone's. */
const clean: Record<string, string> = {
  ...schema,
  'src/modules/orders/transitions.ts': code(
    "import { orders } from '../../db/schema/orders.js';",
    'export async function markShipped(tx: Tx, id: string) {',
    "  await tx.execute(sql`UPDATE orders o SET status = 'shipped' WHERE o.id = #{id}`);",
    "  await tx.update(orders).set({ status: 'shipped' });",
    "  return { type: 'order.shipped' as const };",
    '}',
  ),
  'src/modules/inventory/levels.ts': code(
    'export const receive = sql`',
    '  INSERT INTO inventory_levels (product_id, location_id) VALUES (1, 2);',
    '  UPDATE inventory_levels l SET on_hand = l.on_hand + 1, updated_at = now() WHERE l.id = 1`;',
  ),
  'src/modules/allocation/reserve.ts': code(
    "import { inventoryLevels } from '../../db/schema/inventory.js';",
    'export const reserve = sql`UPDATE "inventory_levels" SET "reserved" = reserved + 1, updated_at = now()`;',
    'export const reserveWithDrizzle = (tx: Tx) => tx.update(inventoryLevels).set({ reserved: 2 });',
  ),
  'src/modules/fulfillment/ship.ts': code(
    '// Fulfillment reads and locks orders: UPDATE orders SET status = ... is the orders module asked.',
    'export const lock = sql`SELECT * FROM orders WHERE id = #{id} FOR UPDATE OF orders`;',
    'export const upsert = sql`INSERT INTO shipments (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 1`;',
    "export const event = { type: status === 'shipped' ? 'shipment.shipped' : `shipment.#{status}` };",
    'export const cache = new Map<string, string>();',
    'cache.delete(orderId);',
  ),
  'src/modules/fulfillment/shipments.schemas.ts': "export const example = { type: 'order.shipped' };\n",
};

async function checkOwners(changes: Record<string, string>) {
  const root = await makeFixture({ ...clean, ...changes });
  return run(bin('tsx'), [script, root], projectRoot);
}

describe('table-owner check', () => {
  afterAll(removeFixtures);

  it('passes when every table, column and event type is written by its owner', async () => {
    const result = await checkOwners({});
    expect(result.output).toMatch(/^check-table-owners: \d+ files, every table written only by its owner\n$/);
    expect(result.code).toBe(0);
  });

  it('fails an UPDATE orders and a drizzle update(orders) from fulfillment', async () => {
    const result = await checkOwners({
      'src/modules/fulfillment/ship.ts': code(
        "import { orderLines, orders } from '../../db/schema/orders.js';",
        'export async function ship(tx: Tx, id: string) {',
        '  await tx.execute(sql`',
        "    UPDATE orders SET status = 'shipped' WHERE id = #{id}`);",
        "  await tx.update(orders).set({ status: 'shipped' });",
        '  await tx.execute(sql`delete from "order_lines" WHERE order_id = #{id}`);',
        '  await tx.insert(orderLines).values([]);',
        "  return { type: id ? 'order.shipped' : `order.#{id}` };",
        '}',
      ),
    });
    expect(result.code).toBe(1);
    const because = 'is written by src/modules/orders; call its transitions instead';
    expect(result.output.trim().split('\n')).toEqual([
      `src/modules/fulfillment/ship.ts:4: orders ${because}`,
      `src/modules/fulfillment/ship.ts:5: orders ${because}`,
      `src/modules/fulfillment/ship.ts:6: order_lines ${because}`,
      `src/modules/fulfillment/ship.ts:7: order_lines ${because}`,
      `src/modules/fulfillment/ship.ts:8: order.* ${because}`,
    ]);
  });

  it('fails inventory_levels.reserved written outside allocation and on_hand outside inventory', async () => {
    const result = await checkOwners({
      'src/modules/inventory/levels.ts': code(
        'export const apply = sql`UPDATE inventory_levels l SET on_hand = 1, reserved = l.reserved - 1`;',
      ),
      'src/modules/allocation/reserve.ts': code(
        "import { inventoryLevels } from '../../db/schema/inventory.js';",
        'export const reserve = (tx: Tx) => tx.update(inventoryLevels).set({ onHand: 0, updatedAt: now });',
      ),
      'src/modules/orders/restock.ts': code('export const restock = sql`TRUNCATE inventory_levels`;'),
    });
    expect(result.code).toBe(1);
    const because = 'call its transitions instead';
    expect(result.output.trim().split('\n')).toEqual([
      `src/modules/allocation/reserve.ts:2: inventory_levels.on_hand is written by src/modules/inventory; ${because}`,
      `src/modules/inventory/levels.ts:1: inventory_levels.reserved is written by src/modules/allocation; ${because}`,
      `src/modules/orders/restock.ts:1: inventory_levels is written by src/modules/inventory; ${because}`,
    ]);
  });

  it('fails a table in the schema that has no owner', async () => {
    const result = await checkOwners({
      'src/db/schema/widgets.ts': code("export const widgets = pgTable('widgets', {});"),
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('src/db/schema/widgets.ts:1: widgets has no owner');
  });
});
