import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { locations, pickLists } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
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

export async function findPickList(tx: Executor, id: number, lock = false): Promise<PickListRow> {
  const select = tx.select().from(pickLists).where(eq(pickLists.id, id));
  const [row] = lock ? await select.for('update') : await select;
  if (!row) {
    throw notFound(`Pick list ${id}`);
  }
  return row;
}
