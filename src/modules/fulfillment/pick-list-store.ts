import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { locations, pickLists } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { PickListView } from './pick-lists.schemas.js';

/** Data access shared by bins and pick lists: locations by code, pick lists, and how they look. */

export type PickListRow = typeof pickLists.$inferSelect;

export async function locationByCode(tx: Executor, code: string) {
  const [location] = await tx
    .select({ id: locations.id, code: locations.code, fulfillment: locations.fulfillment })
    .from(locations)
    .where(eq(locations.code, code));
  if (!location) {
    throw notFound(`Location ${code}`);
  }
  return location;
}

export async function presentPickList(tx: Executor, row: PickListRow): Promise<PickListView> {
  const [location] = await tx
    .select({ code: locations.code })
    .from(locations)
    .where(eq(locations.id, row.locationId));
  return {
    id: row.id,
    location: location?.code ?? '',
    status: row.status,
    criteria: row.criteria,
    items: row.items.map(({ product_id: _, totes, ...item }) => ({
      ...item,
      totes: totes.map(({ shipment_line_id: __, ...tote }) => tote),
    })),
    totes: row.packing as PickListView['totes'],
    created_at: row.createdAt.toISOString(),
    confirmed_at: row.confirmedAt?.toISOString() ?? null,
  };
}

/**
 * Whether a channel-bound key may see (and confirm) the pick list: only when every shipment on it is
 * of the key's channel. A batch that holds another channel's orders is that channel's business too,
 * and confirming it changes their stock and orders.
 */
async function visibleTo(tx: Executor, row: PickListRow, caller: Caller): Promise<boolean> {
  if (caller.channel === null) {
    return true;
  }
  const shipmentIds = row.packing.map((tote) => tote.shipment_id);
  if (shipmentIds.length === 0) {
    return false;
  }
  const result = await tx.execute<{ own: number }>(sql`
    SELECT count(DISTINCT s.id)::int AS own
      FROM shipments s
      JOIN orders o ON o.id = s.order_id
      JOIN channels c ON c.id = o.channel_id
     WHERE s.id = ANY(${sql.param(shipmentIds)}::uuid[]) AND c.code = ${caller.channel}`);
  return result.rows[0]?.own === new Set(shipmentIds).size;
}

/** The pick list (locked when asked); one the caller may not see does not exist. */
export async function findPickList(
  tx: Executor,
  id: number,
  caller: Caller,
  lock = false,
): Promise<PickListRow> {
  const select = tx.select().from(pickLists).where(eq(pickLists.id, id));
  const [row] = lock ? await select.for('update') : await select;
  if (!row || !(await visibleTo(tx, row, caller))) {
    throw notFound(`Pick list ${id}`);
  }
  return row;
}
