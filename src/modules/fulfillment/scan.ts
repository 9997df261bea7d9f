import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { shipmentLines } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { scannable } from './shipment-state.js';
import { assertOwnFlow, findShipment, reloadShipment } from './shipment-store.js';
import { presentShipment } from './shipment-view.js';

/** Counts one unit of the barcode's product, or rejects it (wrong item, one too many) changing nothing. */
export const scan = (db: Db, id: string, barcode: string, caller: Caller) =>
  inTransaction(db, async (tx) => {
    const state = await findShipment(tx, id, caller, true);
    assertOwnFlow(state, 'scan');
    if (!scannable.includes(state.shipment.status)) {
      throw new AppError('conflict', `A shipment that is ${state.shipment.status} is not being packed`);
    }
    const product = await tx.execute<{ id: string; sku: string }>(sql`
      SELECT p.id, p.sku FROM products p
       WHERE p.sku = ${barcode}
          OR p.id = (SELECT product_id FROM product_barcodes WHERE barcode = ${barcode})
       LIMIT 1`);
    const found = product.rows[0];
    const lines = found
      ? state.lines.filter((line) => line.productId === Number(found.id) && line.quantity > 0)
      : [];
    if (!found || lines.length === 0) {
      throw invalid(
        [bodyError('/barcode', found ? `${found.sku} is not in this shipment` : 'matches no product')],
        `Wrong item: ${barcode}${found ? ` (${found.sku})` : ''} does not belong to shipment ${state.shipment.number}`,
      );
    }
    const line = lines.find((l) => l.quantityScanned < l.quantity);
    const quantity = lines.reduce((sum, l) => sum + l.quantity, 0);
    if (!line) {
      throw new AppError(
        'conflict',
        `One too many: all ${quantity} unit(s) of ${found?.sku} in shipment ${state.shipment.number} are already scanned`,
      );
    }
    await tx
      .update(shipmentLines)
      .set({ quantityScanned: sql`${shipmentLines.quantityScanned} + 1` })
      .where(eq(shipmentLines.id, line.id));
    const after = await reloadShipment(tx, id);
    const scanned = after.lines
      .filter((l) => l.productId === line.productId)
      .reduce((sum, l) => sum + l.quantityScanned, 0);
    return {
      sku: line.sku,
      scanned,
      quantity,
      complete: after.lines.every((l) => l.quantityScanned === l.quantity),
      shipment: presentShipment(after),
    };
  });
