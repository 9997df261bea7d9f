import { eq } from 'drizzle-orm';
import { systemClock } from '../../clock.js';
import type { Executor } from '../../db/client.js';
import { inventoryFeeds } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import { withAvailabilityEvents } from './availability.js';
import type { Actor, InventoryDeps } from './deps.js';
import { type FeedRow, resolveRows } from './feed-rows.js';
import type { Adjustment, Count, FeedResult } from './inventory.schemas.js';
import {
  appendMovements,
  applyOnHandChanges,
  type Movement as LedgerRow,
  type LockedLevel,
  levelKey,
  lockLevels,
  type OnHandChange,
} from './levels.js';
import { recordLocationFeeds } from './location-feeds.js';
import { openShortfalls } from './shortfalls.js';

type FeedKind = 'adjustment' | 'count';
type FeedItem = FeedRow & { target: (onHand: number) => number };
type ResolvedItem = FeedItem & { productId: number; locationId: number };

export async function adjustStock(
  { db, clock, stockAdded }: InventoryDeps,
  input: Adjustment,
  actor: Actor,
): Promise<FeedResult> {
  const result = await applyFeed(
    { db, clock },
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
}

export async function countStock(
  { db, clock, stockAdded }: InventoryDeps,
  input: Count,
  actor: Actor,
): Promise<FeedResult> {
  const result = await applyFeed(
    { db, clock },
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
}

/**
 * Applies a batch of on-hand changes atomically: every row is checked first (each bad one reported
 * by index), then levels are locked in order, changed, written to the ledger, and the availability
 * and shortfall events appended, and each location's last feed recorded, all in one transaction. A
 * reference seen before is a no-op.
 */
function applyFeed(
  { db, clock = systemClock }: Pick<InventoryDeps, 'db' | 'clock'>,
  kind: FeedKind,
  reference: string,
  rows: FeedItem[],
  reason: (row: number) => LedgerRow['reason'],
  actor: Actor,
): Promise<FeedResult> {
  return inTransaction(db, async (tx) => {
    const claim = await claimReference(tx, kind, reference, actor);
    if ('replay' in claim) {
      return claim.replay;
    }
    const { resolved, errors } = await resolveRows(tx, rows);
    if (errors.length > 0) {
      throw invalid(errors, 'Some rows are invalid; nothing was applied');
    }
    const levels = await lockLevels(tx, resolved, { create: true });
    const { onHand, movements } = plannedMovements(resolved, levels, reason, reference, actor);
    const after = (level: LockedLevel) =>
      onHand.get(levelKey(level.productId, level.locationId)) ?? level.onHand;
    const changes: OnHandChange[] = [...levels.values()].map((level) => ({
      levelId: level.id,
      delta: after(level) - level.onHand,
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
      [...levels.values()].filter((level) => after(level) < level.reserved && after(level) < level.onHand),
      reference,
    );
    const result: FeedResult = {
      reference,
      kind,
      applied: true,
      items: rows.length,
      applied_at: claim.appliedAt.toISOString(),
      shortfalls,
    };
    await tx.update(inventoryFeeds).set({ result }).where(eq(inventoryFeeds.reference, reference));
    await recordLocationFeeds(
      tx,
      resolved.map((row) => row.locationId),
      reference,
      clock.now(),
    );
    return result;
  });
}

/**
 * Claims the feed's reference, or returns what the batch that claimed it before did. Claiming first
 * makes a concurrent replay wait for this transaction, then no-op.
 */
async function claimReference(
  tx: Executor,
  kind: FeedKind,
  reference: string,
  actor: Actor,
): Promise<{ appliedAt: Date } | { replay: FeedResult }> {
  const [claimed] = await tx
    .insert(inventoryFeeds)
    .values({ reference, kind, result: {}, apiKeyId: actor.apiKeyId })
    .onConflictDoNothing()
    .returning({ appliedAt: inventoryFeeds.appliedAt });
  if (claimed) {
    return claimed;
  }
  const [previous] = await tx.select().from(inventoryFeeds).where(eq(inventoryFeeds.reference, reference));
  if (previous?.kind !== kind) {
    throw new AppError(
      'conflict',
      `Reference "${reference}" was already used by a ${previous?.kind ?? 'another'} batch`,
    );
  }
  return { replay: { ...(previous.result as FeedResult), applied: false } };
}

/** The on hand each row leaves and its ledger rows; a row that would go below zero fails the batch. */
function plannedMovements(
  resolved: ResolvedItem[],
  levels: Map<string, LockedLevel>,
  reason: (row: number) => LedgerRow['reason'],
  reference: string,
  actor: Actor,
): { onHand: Map<string, number>; movements: LedgerRow[] } {
  const onHand = new Map([...levels].map(([key, level]) => [key, level.onHand]));
  const movements: LedgerRow[] = [];
  const errors: FieldError[] = [];
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
  return { onHand, movements };
}
