import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

export interface LevelKey {
  productId: number;
  locationId: number;
}

export interface LockedLevel extends LevelKey {
  id: number;
  onHand: number;
  reserved: number;
  damaged: number;
  qualityControl: number;
}

export type StockState = 'sellable' | 'damaged' | 'quality_control';

/** Units of a level in a state: the sellable ones are those on hand neither damaged nor in quality control. */
export function unitsIn(
  level: Pick<LockedLevel, 'onHand' | 'damaged' | 'qualityControl'>,
  state: StockState,
) {
  if (state === 'damaged') {
    return level.damaged;
  }
  if (state === 'quality_control') {
    return level.qualityControl;
  }
  return level.onHand - level.damaged - level.qualityControl;
}

/** Sellable units nothing holds: what may leave the level for another purpose than a reservation. */
export const freeUnits = (level: Pick<LockedLevel, 'onHand' | 'damaged' | 'qualityControl' | 'reserved'>) =>
  Math.max(0, unitsIn(level, 'sellable') - level.reserved);

export const levelKey = (productId: number, locationId: number) => `${productId}:${locationId}`;

/**
 * Locks the `inventory_levels` rows of these (product, location) pairs with SELECT ... FOR UPDATE,
 * always in (product id, location id) order, so that transactions touching overlapping rows queue
 * instead of deadlocking. With `create`, missing rows are first inserted at zero. Every change to
 * on_hand or reserved happens under this lock, in the caller's transaction.
 */
export async function lockLevels(
  tx: Executor,
  pairs: LevelKey[],
  options: { create?: boolean } = {},
): Promise<Map<string, LockedLevel>> {
  const unique = new Map(pairs.map((pair) => [levelKey(pair.productId, pair.locationId), pair]));
  if (unique.size === 0) {
    return new Map();
  }
  const sorted = [...unique.values()].sort(
    (a, b) => a.productId - b.productId || a.locationId - b.locationId,
  );
  const productIds = sorted.map((pair) => pair.productId);
  const locationIds = sorted.map((pair) => pair.locationId);
  if (options.create) {
    await tx.execute(sql`
      INSERT INTO inventory_levels (product_id, location_id)
      SELECT * FROM unnest(${sql.param(productIds)}::bigint[], ${sql.param(locationIds)}::bigint[])
      ON CONFLICT (product_id, location_id) DO NOTHING`);
  }
  return readLevels(tx, sorted, { lock: true });
}

/**
 * The levels of these (product, location) pairs, in (product, location) order; with `lock`, locked
 * FOR UPDATE in that order. Pairs without a level are absent.
 */
export async function readLevels(
  tx: Executor,
  pairs: LevelKey[],
  { lock }: { lock: boolean },
): Promise<Map<string, LockedLevel>> {
  const productIds = pairs.map((pair) => pair.productId);
  const locationIds = pairs.map((pair) => pair.locationId);
  const result = await tx.execute<{
    id: string;
    product_id: string;
    location_id: string;
    on_hand: number;
    reserved: number;
    damaged: number;
    quality_control: number;
  }>(sql`
    SELECT l.id, l.product_id, l.location_id, l.on_hand, l.reserved, l.damaged, l.quality_control
      FROM inventory_levels l
      JOIN unnest(${sql.param(productIds)}::bigint[], ${sql.param(locationIds)}::bigint[]) AS k(product_id, location_id)
        ON l.product_id = k.product_id AND l.location_id = k.location_id
     ORDER BY l.product_id, l.location_id
     ${lock ? sql`FOR UPDATE OF l` : sql``}`);
  return new Map(
    result.rows.map((row) => {
      const level = {
        id: Number(row.id),
        productId: Number(row.product_id),
        locationId: Number(row.location_id),
        onHand: row.on_hand,
        reserved: row.reserved,
        damaged: row.damaged,
        qualityControl: row.quality_control,
      };
      return [levelKey(level.productId, level.locationId), level];
    }),
  );
}

export interface OnHandChange {
  levelId: number;
  /** Units on hand gained (or lost, negative). */
  delta: number;
  /** Of which damaged, and in quality control (0 when not given). */
  damaged?: number;
  qualityControl?: number;
}

/**
 * The UPDATE applying on_hand (and damaged and quality_control) deltas to locked levels; the table's
 * checks keep each >= 0 and the unsellable units within on_hand. `reserved` is the allocation module's
 * column: it changes it with its own statement.
 */
export function onHandUpdate(changes: OnHandChange[]): SQL | undefined {
  if (changes.length === 0) {
    return undefined;
  }
  return sql`
    UPDATE inventory_levels l
       SET on_hand = l.on_hand + v.delta, damaged = l.damaged + v.damaged,
           quality_control = l.quality_control + v.quality_control, updated_at = now()
      FROM (SELECT id, sum(delta)::int AS delta, sum(damaged)::int AS damaged, sum(quality_control)::int AS quality_control
              FROM unnest(${sql.param(changes.map((c) => c.levelId))}::bigint[], ${sql.param(changes.map((c) => c.delta))}::int[],
                          ${sql.param(changes.map((c) => c.damaged ?? 0))}::int[],
                          ${sql.param(changes.map((c) => c.qualityControl ?? 0))}::int[]) AS u(id, delta, damaged, quality_control)
             GROUP BY id) v
     WHERE l.id = v.id`;
}

/** Applies on_hand deltas to locked levels in one statement. */
export async function applyOnHandChanges(tx: Executor, changes: OnHandChange[]): Promise<void> {
  const update = onHandUpdate(changes);
  if (update) {
    await tx.execute(update);
  }
}

export interface Movement {
  productId: number;
  locationId: number;
  reason: string;
  quantityChange: number;
  onHandAfter: number;
  reference: string;
  apiKeyId: string | null;
  /** The state of the units the row adds or takes (sellable when not given). */
  stockState?: StockState;
}

/** Appends ledger rows, one statement however many. */
export async function appendMovements(tx: Executor, movements: Movement[]): Promise<void> {
  if (movements.length === 0) {
    return;
  }
  await tx.execute(sql`
    INSERT INTO inventory_movements (product_id, location_id, reason, quantity_change, on_hand_after, reference, api_key_id, stock_state)
    SELECT * FROM unnest(${sql.param(movements.map((m) => m.productId))}::bigint[], ${sql.param(movements.map((m) => m.locationId))}::bigint[],
                         ${sql.param(movements.map((m) => m.reason))}::movement_reason[], ${sql.param(movements.map((m) => m.quantityChange))}::int[],
                         ${sql.param(movements.map((m) => m.onHandAfter))}::int[], ${sql.param(movements.map((m) => m.reference))}::text[],
                         ${sql.param(movements.map((m) => m.apiKeyId))}::uuid[],
                         ${sql.param(movements.map((m) => m.stockState ?? 'sellable'))}::stock_state[])`);
}

/** A shipment's units that left the building, at a level the caller has locked. */
export interface Sale {
  levelId: number;
  productId: number;
  locationId: number;
  quantity: number;
  onHandAfter: number;
}

/** Units that left in a shipment: on_hand drops and the ledger records a `sale`, under the caller's locks. */
export async function recordSales(
  tx: Executor,
  sales: Sale[],
  source: { reference: string; apiKeyId: string | null },
): Promise<void> {
  await applyOnHandChanges(
    tx,
    sales.map((sale) => ({ levelId: sale.levelId, delta: -sale.quantity })),
  );
  await appendMovements(
    tx,
    sales.map((sale) => ({
      productId: sale.productId,
      locationId: sale.locationId,
      reason: 'sale',
      quantityChange: -sale.quantity,
      onHandAfter: sale.onHandAfter,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
    })),
  );
}
