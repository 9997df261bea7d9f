import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { inventoryLevels, inventoryMovements, locations, products } from '../../db/schema/index.js';
import { type FieldError, invalid } from '../../errors.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { channelIdsByCode, productIdsBySku } from '../catalog/index.js';
import { locationAvailability } from './availability.js';
import type { InventoryDeps } from './deps.js';
import { incomingStock, withIncoming } from './incoming.js';
import type { Availability, Level, Movement } from './inventory.schemas.js';

/** Reads of stock: the levels, the ledger and what a channel may sell. Nothing is locked or written. */

export interface LevelListQuery {
  limit: number;
  cursor?: string;
  sku?: string;
  location?: string;
  below?: number;
}

export async function listLevels(
  { db }: Pick<InventoryDeps, 'db'>,
  query: LevelListQuery,
): Promise<Page<Level>> {
  const after = decodeCursor(query.cursor, ['number']);
  const available = sql<number>`greatest(0, ${inventoryLevels.onHand} - ${inventoryLevels.damaged} - ${inventoryLevels.qualityControl}
    - ${inventoryLevels.reserved} - coalesce(${inventoryLevels.safetyStock}, 0))`;
  const rows = await db
    .select({
      id: inventoryLevels.id,
      sku: products.sku,
      location: locations.code,
      onHand: inventoryLevels.onHand,
      reserved: inventoryLevels.reserved,
      damaged: inventoryLevels.damaged,
      qualityControl: inventoryLevels.qualityControl,
      safetyStock: inventoryLevels.safetyStock,
      available,
      reorderPoint: inventoryLevels.reorderPoint,
      updatedAt: inventoryLevels.updatedAt,
    })
    .from(inventoryLevels)
    .innerJoin(products, eq(products.id, inventoryLevels.productId))
    .innerJoin(locations, eq(locations.id, inventoryLevels.locationId))
    .where(
      and(
        query.sku === undefined ? undefined : eq(products.sku, query.sku),
        query.location === undefined ? undefined : eq(locations.code, query.location),
        query.below === undefined ? undefined : lt(available, query.below),
        after ? sql`${inventoryLevels.id} > ${after[0]}` : undefined,
      ),
    )
    .orderBy(inventoryLevels.id)
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => ({
      sku: row.sku,
      location: row.location,
      on_hand: row.onHand,
      reserved: row.reserved,
      damaged: row.damaged,
      quality_control: row.qualityControl,
      safety_stock: row.safetyStock,
      available: Number(row.available),
      reorder_point: row.reorderPoint,
      updated_at: row.updatedAt.toISOString(),
    }),
  );
}

export interface MovementListQuery {
  limit: number;
  cursor?: string;
  sku?: string;
  location?: string;
  reason?: Movement['reason'];
  stock_state?: Movement['stock_state'];
  reference?: string;
}

export async function listMovements(
  { db }: Pick<InventoryDeps, 'db'>,
  query: MovementListQuery,
): Promise<Page<Movement>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await db
    .select({
      id: inventoryMovements.id,
      sku: products.sku,
      location: locations.code,
      reason: inventoryMovements.reason,
      quantityChange: inventoryMovements.quantityChange,
      onHandAfter: inventoryMovements.onHandAfter,
      stockState: inventoryMovements.stockState,
      reference: inventoryMovements.reference,
      apiKeyId: inventoryMovements.apiKeyId,
      createdAt: inventoryMovements.createdAt,
    })
    .from(inventoryMovements)
    .innerJoin(products, eq(products.id, inventoryMovements.productId))
    .innerJoin(locations, eq(locations.id, inventoryMovements.locationId))
    .where(
      and(
        query.sku === undefined ? undefined : eq(products.sku, query.sku),
        query.location === undefined ? undefined : eq(locations.code, query.location),
        query.reason === undefined ? undefined : sql`${inventoryMovements.reason} = ${query.reason}`,
        query.stock_state === undefined
          ? undefined
          : sql`${inventoryMovements.stockState} = ${query.stock_state}`,
        query.reference === undefined ? undefined : eq(inventoryMovements.reference, query.reference),
        after ? lt(inventoryMovements.id, Number(after[0])) : undefined,
      ),
    )
    .orderBy(desc(inventoryMovements.id))
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => ({
      id: row.id,
      sku: row.sku,
      location: row.location,
      reason: row.reason,
      quantity_change: row.quantityChange,
      on_hand_after: row.onHandAfter,
      stock_state: row.stockState,
      reference: row.reference,
      api_key_id: row.apiKeyId,
      created_at: row.createdAt.toISOString(),
    }),
  );
}

/** What one channel may sell of each SKU now, with the per-location breakdown. */
export async function channelAvailability(
  { db }: Pick<InventoryDeps, 'db'>,
  skus: string[],
  channel: string,
): Promise<Availability> {
  const [productIds, channelIds] = await Promise.all([
    productIdsBySku(db, skus),
    channelIdsByCode(db, [channel]),
  ]);
  const errors: FieldError[] = skus
    .filter((sku) => !productIds.has(sku))
    .map((sku) => ({ in: 'query', pointer: '/sku', detail: `"${sku}" is not a known SKU` }));
  if (!channelIds.has(channel)) {
    errors.push({ in: 'query', pointer: '/channel', detail: `"${channel}" is not a known channel` });
  }
  if (errors.length > 0) {
    throw invalid(errors);
  }
  const [rows, incoming] = await Promise.all([
    locationAvailability(db, [...productIds.values()], channel),
    incomingStock(db, [...productIds.values()], channel),
  ]);
  return {
    channel,
    data: skus.map((sku) => {
      const here = rows.filter((row) => row.sku === sku);
      const expected = incoming.filter((units) => units.productId === productIds.get(sku));
      return {
        sku,
        available: here.reduce((sum, row) => sum + row.available, 0),
        locations: withIncoming(
          here.map((row) => ({
            location: row.location,
            on_hand: row.onHand,
            reserved: row.reserved,
            damaged: row.damaged,
            quality_control: row.qualityControl,
            safety_stock: row.safetyStock,
            available: row.available,
          })),
          expected,
        ),
      };
    }),
  };
}
