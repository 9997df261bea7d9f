import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import {
  inventoryFeeds,
  inventoryLevels,
  inventoryMovements,
  locations,
  products,
} from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { channelIdsByCode, locationIdsByCode, productIdsBySku } from '../catalog/lookup.js';
import { appendEvents } from '../events/events.service.js';
import { locationAvailability, withAvailabilityEvents } from './availability.js';
import type {
  Adjustment,
  Availability,
  Count,
  FeedResult,
  Level,
  Movement,
  SafetyStock,
} from './inventory.schemas.js';
import {
  appendMovements,
  applyOnHandChanges,
  type Movement as LedgerRow,
  levelKey,
  lockLevels,
  type OnHandChange,
} from './levels.js';

/** Who made a change, for the ledger. */
export interface Actor {
  apiKeyId: string | null;
}

interface FeedRow {
  sku: string;
  location: string;
}

/** Resolves every row's SKU and location, reporting each unknown one by index. */
async function resolveRows<T extends FeedRow>(tx: Executor, rows: T[]) {
  const [productIds, locationIds] = await Promise.all([
    productIdsBySku(
      tx,
      rows.map((row) => row.sku),
    ),
    locationIdsByCode(
      tx,
      rows.map((row) => row.location),
    ),
  ]);
  const errors: FieldError[] = [];
  const resolved = rows.map((row, i) => {
    const productId = productIds.get(row.sku);
    const locationId = locationIds.get(row.location);
    if (productId === undefined) {
      errors.push(bodyError(`/items/${i}/sku`, `"${row.sku}" is not a known SKU`));
    }
    if (locationId === undefined) {
      errors.push(bodyError(`/items/${i}/location`, `"${row.location}" is not a known location`));
    }
    return { ...row, productId: productId ?? 0, locationId: locationId ?? 0 };
  });
  return { resolved, errors };
}

export type InventoryService = ReturnType<typeof createInventoryService>;

export function createInventoryService({ db, stockAdded }: { db: Db; stockAdded?: () => void }) {
  /**
   * Applies a batch of on-hand changes atomically: every row is checked first (each bad one reported
   * by index), then levels are locked in order, changed, written to the ledger, and the availability
   * and shortfall events appended, all in one transaction. A reference seen before is a no-op.
   */
  async function applyFeed(
    kind: 'adjustment' | 'count',
    reference: string,
    rows: Array<FeedRow & { target: (onHand: number) => number }>,
    reason: (row: number) => LedgerRow['reason'],
    actor: Actor,
  ): Promise<FeedResult> {
    return inTransaction(db, async (tx) => {
      // Claiming the reference first makes a concurrent replay wait for this transaction, then no-op.
      const [claimed] = await tx
        .insert(inventoryFeeds)
        .values({ reference, kind, result: {}, apiKeyId: actor.apiKeyId })
        .onConflictDoNothing()
        .returning({ appliedAt: inventoryFeeds.appliedAt });
      if (!claimed) {
        const [previous] = await tx
          .select()
          .from(inventoryFeeds)
          .where(eq(inventoryFeeds.reference, reference));
        if (previous?.kind !== kind) {
          throw new AppError(
            'conflict',
            `Reference "${reference}" was already used by a ${previous?.kind ?? 'another'} batch`,
          );
        }
        return { ...(previous.result as FeedResult), applied: false };
      }

      const { resolved, errors } = await resolveRows(tx, rows);
      if (errors.length > 0) {
        throw invalid(errors, 'Some rows are invalid; nothing was applied');
      }
      const levels = await lockLevels(tx, resolved, { create: true });
      const onHand = new Map([...levels].map(([key, level]) => [key, level.onHand]));
      const movements: LedgerRow[] = [];
      resolved.forEach((row, i) => {
        const key = levelKey(row.productId, row.locationId);
        const before = onHand.get(key) ?? 0;
        const after = row.target(before);
        if (after < 0) {
          errors.push(
            bodyError(
              `/items/${i}`,
              `would leave ${row.sku} at ${row.location} with ${after} on hand (has ${before})`,
            ),
          );
          return;
        }
        onHand.set(key, after);
        movements.push({
          productId: row.productId,
          locationId: row.locationId,
          reason: reason(i),
          quantityChange: after - before,
          onHandAfter: after,
          reference,
          apiKeyId: actor.apiKeyId,
        });
      });
      if (errors.length > 0) {
        throw invalid(errors, 'Some rows are invalid; nothing was applied');
      }

      const changes: OnHandChange[] = [...levels.values()].map((level) => ({
        levelId: level.id,
        delta: (onHand.get(levelKey(level.productId, level.locationId)) ?? level.onHand) - level.onHand,
      }));
      await withAvailabilityEvents(
        tx,
        resolved.map((row) => row.productId),
        async () => {
          await applyOnHandChanges(
            tx,
            changes.filter((change) => change.delta !== 0),
          );
          await appendMovements(tx, movements);
        },
      );
      const shortfalls = await openShortfalls(
        tx,
        [...levels.values()].filter((level) => {
          const after = onHand.get(levelKey(level.productId, level.locationId)) ?? level.onHand;
          return after < level.reserved && after < level.onHand;
        }),
        reference,
      );

      const result: FeedResult = {
        reference,
        kind,
        applied: true,
        items: rows.length,
        applied_at: claimed.appliedAt.toISOString(),
        shortfalls,
      };
      await tx.update(inventoryFeeds).set({ result }).where(eq(inventoryFeeds.reference, reference));
      return result;
    });
  }

  return {
    async adjust(input: Adjustment, actor: Actor): Promise<FeedResult> {
      const result = await applyFeed(
        'adjustment',
        input.reference,
        input.items.map((item) => ({ ...item, target: (onHand: number) => onHand + item.delta })),
        () => input.reason,
        actor,
      );
      if (result.applied && input.items.some((item) => item.delta > 0)) {
        stockAdded?.();
      }
      return result;
    },

    async count(input: Count, actor: Actor): Promise<FeedResult> {
      const result = await applyFeed(
        'count',
        input.reference,
        input.items.map((item) => ({ ...item, target: () => item.on_hand })),
        () => 'cycle_count',
        actor,
      );
      if (result.applied) {
        stockAdded?.();
      }
      return result;
    },

    async listLevels(query: {
      limit: number;
      cursor?: string;
      sku?: string;
      location?: string;
      below?: number;
    }): Promise<Page<Level>> {
      const after = decodeCursor(query.cursor, ['number']);
      const available = sql<number>`greatest(0, ${inventoryLevels.onHand} - ${inventoryLevels.reserved} - coalesce(${inventoryLevels.safetyStock}, 0))`;
      const rows = await db
        .select({
          id: inventoryLevels.id,
          sku: products.sku,
          location: locations.code,
          onHand: inventoryLevels.onHand,
          reserved: inventoryLevels.reserved,
          safetyStock: inventoryLevels.safetyStock,
          available,
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
          safety_stock: row.safetyStock,
          available: Number(row.available),
          updated_at: row.updatedAt.toISOString(),
        }),
      );
    },

    async listMovements(query: {
      limit: number;
      cursor?: string;
      sku?: string;
      location?: string;
      reason?: Movement['reason'];
      reference?: string;
    }): Promise<Page<Movement>> {
      const after = decodeCursor(query.cursor, ['number']);
      const rows = await db
        .select({
          id: inventoryMovements.id,
          sku: products.sku,
          location: locations.code,
          reason: inventoryMovements.reason,
          quantityChange: inventoryMovements.quantityChange,
          onHandAfter: inventoryMovements.onHandAfter,
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
          reference: row.reference,
          api_key_id: row.apiKeyId,
          created_at: row.createdAt.toISOString(),
        }),
      );
    },

    /** Writes safety stock for levels (and per-channel overrides) in one transaction. */
    setSafetyStock: (input: SafetyStock): Promise<{ updated: number }> =>
      inTransaction(db, async (tx) => {
        const { resolved, errors } = await resolveRows(tx, input.items);
        const channelIds = await channelIdsByCode(
          tx,
          input.items.flatMap((item) => (item.channel === undefined ? [] : [item.channel])),
        );
        input.items.forEach((item, i) => {
          if (item.channel !== undefined && !channelIds.has(item.channel)) {
            errors.push(bodyError(`/items/${i}/channel`, `"${item.channel}" is not a known channel`));
          }
        });
        if (errors.length > 0) {
          throw invalid(errors, 'Some rows are invalid; nothing was changed');
        }
        const levels = await lockLevels(tx, resolved, { create: true });
        await withAvailabilityEvents(
          tx,
          resolved.map((row) => row.productId),
          async () => {
            for (const row of resolved) {
              const level = levels.get(levelKey(row.productId, row.locationId));
              const channelId = row.channel === undefined ? undefined : channelIds.get(row.channel);
              if (channelId === undefined) {
                await tx
                  .update(inventoryLevels)
                  .set({ safetyStock: row.quantity, updatedAt: sql`now()` })
                  .where(eq(inventoryLevels.id, level?.id ?? 0));
              } else if (row.quantity === null) {
                await tx.execute(sql`DELETE FROM safety_stock_overrides
                  WHERE product_id = ${row.productId} AND location_id = ${row.locationId} AND channel_id = ${channelId}`);
              } else {
                await tx.execute(sql`INSERT INTO safety_stock_overrides (product_id, location_id, channel_id, quantity)
                  VALUES (${row.productId}, ${row.locationId}, ${channelId}, ${row.quantity})
                  ON CONFLICT (product_id, location_id, channel_id) DO UPDATE SET quantity = excluded.quantity`);
              }
            }
          },
        );
        return { updated: input.items.length };
      }),

    /** What one channel may sell of each SKU now, with the per-location breakdown. */
    async availability(skus: string[], channel: string): Promise<Availability> {
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
      const rows = await locationAvailability(db, [...productIds.values()], channel);
      return {
        channel,
        data: skus.map((sku) => {
          const here = rows.filter((row) => row.sku === sku);
          return {
            sku,
            available: here.reduce((sum, row) => sum + row.available, 0),
            locations: here.map((row) => ({
              location: row.location,
              on_hand: row.onHand,
              reserved: row.reserved,
              safety_stock: row.safetyStock,
              available: row.available,
            })),
          };
        }),
      };
    },
  };
}

/**
 * A count or adjustment left fewer units on the shelf than are reserved: the shelf is the truth, so
 * the change stands and an `inventory.shortfall` event names the holders (order lines) now uncovered.
 */
async function openShortfalls(
  tx: Executor,
  levels: Array<{ productId: number; locationId: number }>,
  reference: string,
): Promise<FeedResult['shortfalls']> {
  if (levels.length === 0) {
    return [];
  }
  const result = await tx.execute<{
    sku: string;
    location: string;
    on_hand: number;
    reserved: number;
    holders: string[];
  }>(sql`
    SELECT p.sku, loc.code AS location, l.on_hand, l.reserved,
           coalesce(array_agg(DISTINCT 'order_line:' || r.order_line_id) FILTER (WHERE r.order_line_id IS NOT NULL), '{}') AS holders
      FROM inventory_levels l
      JOIN products p ON p.id = l.product_id
      JOIN locations loc ON loc.id = l.location_id
      LEFT JOIN reservations r ON r.product_id = l.product_id AND r.location_id = l.location_id AND r.status = 'active'
     WHERE (l.product_id, l.location_id) IN (
             SELECT * FROM unnest(${sql.param(levels.map((l) => l.productId))}::bigint[],
                                  ${sql.param(levels.map((l) => l.locationId))}::bigint[]))
       AND l.on_hand < l.reserved
     GROUP BY p.sku, loc.code, l.on_hand, l.reserved
     ORDER BY p.sku, loc.code`);
  const shortfalls = result.rows.map((row) => ({ ...row, short_by: row.reserved - row.on_hand }));
  await appendEvents(
    tx,
    shortfalls.map((shortfall) => ({
      type: 'inventory.shortfall',
      resourceType: 'inventory_level',
      resourceId: `${shortfall.sku}:${shortfall.location}`,
      data: { ...shortfall, reference },
    })),
  );
  return shortfalls;
}
