import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/client.js';
import { locations, products, transferLines, transfers } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { decodeCursor, type Page, toPage, withStates } from '../../http/pagination.js';
import { assertTransferTransition, type TransferStatus, travelling } from './transfer-state.js';
import type { TransferListQuery, TransferView } from './transfers.schemas.js';

/** Data access for transfers and their lines: this module's tables. */

export type TransferRow = typeof transfers.$inferSelect;
export type TransferLine = typeof transferLines.$inferSelect & { sku: string };

export interface TransferState {
  transfer: TransferRow;
  source: string;
  destination: string;
  lines: TransferLine[];
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function presentTransfer({ transfer, source, destination, lines }: TransferState): TransferView {
  const onTheWay = travelling.includes(transfer.status);
  return {
    id: transfer.id,
    number: transfer.number,
    reference: transfer.reference,
    source,
    destination,
    status: transfer.status,
    lines: lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      shipped: line.quantityShipped,
      received: line.quantityReceived,
      in_transit: onTheWay ? Math.max(0, line.quantityShipped - line.quantityReceived) : 0,
      over: Math.max(0, line.quantityReceived - line.quantityShipped),
      short: transfer.status === 'received' ? Math.max(0, line.quantityShipped - line.quantityReceived) : 0,
    })),
    note: transfer.note,
    carrier: transfer.carrier,
    tracking_number: transfer.trackingNumber,
    cancel_reason: transfer.cancelReason,
    shipped_at: iso(transfer.shippedAt),
    received_at: iso(transfer.receivedAt),
    cancelled_at: iso(transfer.cancelledAt),
    created_at: transfer.createdAt.toISOString(),
    updated_at: transfer.updatedAt.toISOString(),
  };
}

const source = alias(locations, 'source');
const destination = alias(locations, 'destination');

/** Transfers with their lines (in line order) and location codes; with `lock`, the transfer rows FOR UPDATE. */
async function loadTransfers(
  tx: Executor,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<TransferState[]> {
  if (ids.length === 0) {
    return [];
  }
  const select = tx
    .select({ transfer: transfers, source: source.code, destination: destination.code })
    .from(transfers)
    .innerJoin(source, eq(source.id, transfers.sourceLocationId))
    .innerJoin(destination, eq(destination.id, transfers.destinationLocationId))
    .where(inArray(transfers.id, ids))
    .orderBy(asc(transfers.id));
  const rows = options.lock ? await select.for('update', { of: transfers }) : await select;
  const lines = await tx
    .select({ line: transferLines, sku: products.sku })
    .from(transferLines)
    .innerJoin(products, eq(products.id, transferLines.productId))
    .where(inArray(transferLines.transferId, ids))
    .orderBy(asc(transferLines.lineNumber));
  return rows.map((row) => ({
    ...row,
    lines: lines.filter((l) => l.line.transferId === row.transfer.id).map((l) => ({ ...l.line, sku: l.sku })),
  }));
}

/** One transfer, locked FOR UPDATE with `lock` (every change takes this lock first); a 404 when there is none. */
export async function findTransfer(tx: Executor, id: string, options: { lock?: boolean } = {}) {
  const [state] = await loadTransfers(tx, [id], options);
  if (!state) {
    throw notFound(`Transfer ${id}`);
  }
  return state;
}

export interface NewTransfer {
  reference: string | null;
  sourceLocationId: number;
  destinationLocationId: number;
  note: string | null;
  createdBy: string;
  createdAt: Date;
  lines: Array<{ productId: number; quantity: number }>;
}

/** Inserts a requested transfer and its lines; returns its id. */
export async function insertTransfer(tx: Executor, input: NewTransfer): Promise<string> {
  const { lines, ...fields } = input;
  const [created] = await tx
    .insert(transfers)
    .values({ ...fields, updatedAt: input.createdAt })
    .returning({ id: transfers.id });
  if (!created) {
    throw new Error('the transfer insert returned no row');
  }
  await tx.insert(transferLines).values(
    lines.map((line, i) => ({
      transferId: created.id,
      lineNumber: i + 1,
      productId: line.productId,
      quantity: line.quantity,
    })),
  );
  return created.id;
}

/** The id of the transfer with this reference, if any. */
export async function transferWithReference(tx: Executor, reference: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: transfers.id })
    .from(transfers)
    .where(eq(transfers.reference, reference));
  return row?.id;
}

/** Moves the transfer to `status` (a 409 when its lifecycle does not allow it), with other fields. */
export async function setTransferStatus(
  tx: Executor,
  state: TransferState,
  status: TransferStatus,
  fields: Partial<typeof transfers.$inferInsert> & { updatedAt: Date },
): Promise<void> {
  assertTransferTransition(state.transfer.status, status);
  await tx
    .update(transfers)
    .set({ status, ...fields })
    .where(eq(transfers.id, state.transfer.id));
}

/** Every line's units left the source. */
export async function markLinesShipped(tx: Executor, transferId: string): Promise<void> {
  await tx
    .update(transferLines)
    .set({ quantityShipped: sql`${transferLines.quantity}` })
    .where(eq(transferLines.transferId, transferId));
}

/** Units arrived, per line id (a line may appear more than once). */
export async function addReceived(tx: Executor, units: ReadonlyMap<number, number>): Promise<void> {
  for (const [lineId, quantity] of units) {
    await tx
      .update(transferLines)
      .set({ quantityReceived: sql`${transferLines.quantityReceived} + ${quantity}` })
      .where(eq(transferLines.id, lineId));
  }
}

/** Transfers, newest first, filtered; keyset-paginated by number. */
export async function listTransfers(tx: Executor, query: TransferListQuery): Promise<Page<TransferView>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await tx
    .select({ id: transfers.id, number: transfers.number })
    .from(transfers)
    .innerJoin(source, eq(source.id, transfers.sourceLocationId))
    .innerJoin(destination, eq(destination.id, transfers.destinationLocationId))
    .where(
      and(
        query.status === undefined ? undefined : eq(transfers.status, query.status),
        query.source === undefined ? undefined : eq(source.code, query.source),
        query.destination === undefined ? undefined : eq(destination.code, query.destination),
        query.reference === undefined ? undefined : eq(transfers.reference, query.reference),
        query.sku === undefined
          ? undefined
          : sql`EXISTS (SELECT 1 FROM ${transferLines} tl JOIN ${products} p ON p.id = tl.product_id
                         WHERE tl.transfer_id = ${transfers.id} AND p.sku = ${query.sku})`,
        after ? lt(transfers.number, Number(after[0])) : undefined,
      ),
    )
    .orderBy(desc(transfers.number))
    .limit(query.limit + 1);
  const found = await withStates(
    rows,
    (ids) => loadTransfers(tx, ids),
    (state) => state.transfer.id,
  );
  return toPage(
    found,
    query.limit,
    (row) => [row.number],
    (row) => presentTransfer(row.state),
  );
}
