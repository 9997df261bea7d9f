import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import {
  type InboundReceiptLine,
  inboundReceipts,
  inboundShipmentLines,
  inboundShipments,
  locations,
  products,
} from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { decodeCursor, type Page, toPage, withStates } from '../../http/pagination.js';
import type { InboundShipmentListQuery, InboundShipmentView } from './inbound.schemas.js';
import { assertInboundTransition, type InboundStatus, open } from './inbound-state.js';

/** Data access for inbound shipments, their lines and receipts: this module's tables. */

export type InboundRow = typeof inboundShipments.$inferSelect;
export type InboundLine = typeof inboundShipmentLines.$inferSelect & { sku: string };
type ReceiptRow = typeof inboundReceipts.$inferSelect;

export interface InboundState {
  shipment: InboundRow;
  location: string;
  lines: InboundLine[];
  receipts: ReceiptRow[];
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function presentInbound({ shipment, location, lines, receipts }: InboundState): InboundShipmentView {
  const expecting = open.includes(shipment.status);
  return {
    id: shipment.id,
    number: shipment.number,
    reference: shipment.reference,
    location,
    status: shipment.status,
    expected_date: shipment.expectedDate,
    supplier: shipment.supplier,
    notes: shipment.notes,
    lines: lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      received: line.quantityReceived,
      incoming: expecting ? Math.max(0, line.quantity - line.quantityReceived) : 0,
      over: Math.max(0, line.quantityReceived - line.quantity),
      short: shipment.status === 'received' ? Math.max(0, line.quantity - line.quantityReceived) : 0,
    })),
    receipts: receipts.map((receipt) => ({
      reference: receipt.reference,
      lines: receipt.lines,
      closed: receipt.closed,
      received_at: receipt.receivedAt.toISOString(),
    })),
    cancel_reason: shipment.cancelReason,
    shipped_at: iso(shipment.shippedAt),
    received_at: iso(shipment.receivedAt),
    cancelled_at: iso(shipment.cancelledAt),
    created_at: shipment.createdAt.toISOString(),
    updated_at: shipment.updatedAt.toISOString(),
  };
}

/** Shipments with their lines (in line order), receipts and location code; `lock`: the shipment rows FOR UPDATE. */
async function loadInbound(
  tx: Executor,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<InboundState[]> {
  if (ids.length === 0) {
    return [];
  }
  const select = tx
    .select({ shipment: inboundShipments, location: locations.code })
    .from(inboundShipments)
    .innerJoin(locations, eq(locations.id, inboundShipments.locationId))
    .where(inArray(inboundShipments.id, ids))
    .orderBy(asc(inboundShipments.id));
  const rows = options.lock ? await select.for('update', { of: inboundShipments }) : await select;
  const [lines, receipts] = await Promise.all([
    tx
      .select({ line: inboundShipmentLines, sku: products.sku })
      .from(inboundShipmentLines)
      .innerJoin(products, eq(products.id, inboundShipmentLines.productId))
      .where(inArray(inboundShipmentLines.inboundShipmentId, ids))
      .orderBy(asc(inboundShipmentLines.lineNumber)),
    tx
      .select()
      .from(inboundReceipts)
      .where(inArray(inboundReceipts.inboundShipmentId, ids))
      .orderBy(asc(inboundReceipts.id)),
  ]);
  return rows.map((row) => ({
    ...row,
    lines: lines
      .filter((l) => l.line.inboundShipmentId === row.shipment.id)
      .map((l) => ({ ...l.line, sku: l.sku })),
    receipts: receipts.filter((receipt) => receipt.inboundShipmentId === row.shipment.id),
  }));
}

/** One shipment, locked FOR UPDATE with `lock` (every change takes this lock first); a 404 when there is none. */
export async function findInbound(tx: Executor, id: string, options: { lock?: boolean } = {}) {
  const [state] = await loadInbound(tx, [id], options);
  if (!state) {
    throw notFound(`Inbound shipment ${id}`);
  }
  return state;
}

export interface NewInbound {
  reference: string;
  locationId: number;
  expectedDate: string;
  supplier: string | null;
  notes: string | null;
  createdBy: string;
  createdAt: Date;
  lines: Array<{ productId: number; quantity: number }>;
}

/** Inserts an expected shipment and its lines; returns its id. */
export async function insertInbound(tx: Executor, input: NewInbound): Promise<string> {
  const { lines, ...fields } = input;
  const [created] = await tx
    .insert(inboundShipments)
    .values({ ...fields, updatedAt: input.createdAt })
    .returning({ id: inboundShipments.id });
  if (!created) {
    throw new Error('the inbound shipment insert returned no row');
  }
  await tx.insert(inboundShipmentLines).values(
    lines.map((line, i) => ({
      inboundShipmentId: created.id,
      lineNumber: i + 1,
      productId: line.productId,
      quantity: line.quantity,
    })),
  );
  return created.id;
}

/** The number of the shipment with this reference, if any. */
export async function inboundWithReference(tx: Executor, reference: string): Promise<number | undefined> {
  const [row] = await tx
    .select({ number: inboundShipments.number })
    .from(inboundShipments)
    .where(eq(inboundShipments.reference, reference));
  return row?.number;
}

/** Moves the shipment to `status` (a 409 when its lifecycle does not allow it), with other fields. */
export async function setInboundStatus(
  tx: Executor,
  state: InboundState,
  status: InboundStatus,
  fields: Partial<typeof inboundShipments.$inferInsert> & { updatedAt: Date },
): Promise<void> {
  assertInboundTransition(state.shipment.status, status);
  await tx
    .update(inboundShipments)
    .set({ status, ...fields })
    .where(eq(inboundShipments.id, state.shipment.id));
  state.shipment = { ...state.shipment, status };
}

/** A new expected date, keeping the status. */
export async function setExpectedDate(
  tx: Executor,
  state: InboundState,
  expectedDate: string,
  now: Date,
): Promise<void> {
  await tx
    .update(inboundShipments)
    .set({ expectedDate, updatedAt: now })
    .where(eq(inboundShipments.id, state.shipment.id));
}

/** A change that keeps the status (a partial receipt of a shipment in transit). */
export async function touchInbound(tx: Executor, state: InboundState, now: Date): Promise<void> {
  await tx.update(inboundShipments).set({ updatedAt: now }).where(eq(inboundShipments.id, state.shipment.id));
}

/** Records a receipt and adds its units to the lines' received quantities, per line id. */
export async function recordReceipt(
  tx: Executor,
  state: InboundState,
  receipt: {
    reference: string;
    lines: InboundReceiptLine[];
    units: ReadonlyMap<number, number>;
    closed: boolean;
    createdBy: string;
    receivedAt: Date;
  },
): Promise<void> {
  await tx.insert(inboundReceipts).values({
    inboundShipmentId: state.shipment.id,
    reference: receipt.reference,
    lines: receipt.lines,
    closed: receipt.closed,
    createdBy: receipt.createdBy,
    receivedAt: receipt.receivedAt,
  });
  for (const [lineId, quantity] of receipt.units) {
    await tx
      .update(inboundShipmentLines)
      .set({ quantityReceived: sql`${inboundShipmentLines.quantityReceived} + ${quantity}` })
      .where(eq(inboundShipmentLines.id, lineId));
  }
}

/** Inbound shipments, newest first, filtered; keyset-paginated by number. */
export async function listInbound(
  tx: Executor,
  query: InboundShipmentListQuery,
): Promise<Page<InboundShipmentView>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await tx
    .select({ id: inboundShipments.id, number: inboundShipments.number })
    .from(inboundShipments)
    .innerJoin(locations, eq(locations.id, inboundShipments.locationId))
    .where(
      and(
        query.status === undefined ? undefined : eq(inboundShipments.status, query.status),
        query.location === undefined ? undefined : eq(locations.code, query.location),
        query.sku === undefined
          ? undefined
          : sql`EXISTS (SELECT 1 FROM ${inboundShipmentLines} il JOIN ${products} p ON p.id = il.product_id
                         WHERE il.inbound_shipment_id = ${inboundShipments.id} AND p.sku = ${query.sku})`,
        after ? lt(inboundShipments.number, Number(after[0])) : undefined,
      ),
    )
    .orderBy(desc(inboundShipments.number))
    .limit(query.limit + 1);
  const found = await withStates(
    rows,
    (ids) => loadInbound(tx, ids),
    (state) => state.shipment.id,
  );
  return toPage(
    found,
    query.limit,
    (row) => [row.number],
    (row) => presentInbound(row.state),
  );
}
