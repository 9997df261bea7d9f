import { eq } from 'drizzle-orm';
import { type Clock, systemClock } from '../../clock.js';
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
  type StockState,
  unitsIn,
} from './levels.js';
import { recordLocationFeeds } from './location-feeds.js';
import { openShortfalls } from './shortfalls.js';

type FeedKind = 'adjustment' | 'count' | 'state_move';
/** A row's new on_hand from the current one; `state`: the state of the units it adds or takes. */
type FeedItem = FeedRow & { target: (onHand: number) => number; state?: StockState | undefined };
type Units = Pick<LockedLevel, 'onHand' | 'damaged' | 'qualityControl'>;
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
    input.items.map((item) => ({
      ...item,
      target: (onHand: number) => onHand + item.delta,
      state: item.state,
    })),
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
  return inTransaction(db, (tx) => applyFeedIn(tx, clock, kind, reference, rows, reason, actor));
}

/**
 * A receipt of stock (ledger reason `receipt`) inside the caller's transaction, applied as any
 * adjustment feed is: ledger, availability and shortfall events, the locations' last feed, and a
 * reference seen before is a no-op (`applied: false`). The caller nudges `stockAdded` after commit.
 */
export function receiveStockIn(
  tx: Executor,
  clock: Clock,
  input: { reference: string; items: Array<FeedRow & { quantity: number }> },
  actor: Actor,
): Promise<FeedResult> {
  const rows = input.items.map((item) => ({ ...item, target: (onHand: number) => onHand + item.quantity }));
  return applyFeedIn(tx, clock, 'adjustment', input.reference, rows, () => 'receipt', actor);
}

async function applyFeedIn(
  tx: Executor,
  clock: Clock,
  kind: FeedKind,
  reference: string,
  rows: FeedItem[],
  reason: (row: number) => LedgerRow['reason'],
  actor: Actor,
): Promise<FeedResult> {
  const claim = await claimReference(tx, kind, reference, actor);
  if ('replay' in claim) {
    return claim.replay;
  }
  const { resolved, errors } = await resolveRows(tx, rows);
  if (errors.length > 0) {
    throw invalid(errors, 'Some rows are invalid; nothing was applied');
  }
  const levels = await lockLevels(tx, resolved, { create: true });
  const { units, movements } = plannedMovements(resolved, levels, reason, reference, actor);
  const after = (level: LockedLevel) => units.get(levelKey(level.productId, level.locationId)) ?? level;
  const changes: OnHandChange[] = [...levels.values()].map((level) => ({
    levelId: level.id,
    delta: after(level).onHand - level.onHand,
    damaged: after(level).damaged - level.damaged,
    qualityControl: after(level).qualityControl - level.qualityControl,
  }));
  const sellable = (level: Units) => unitsIn(level, 'sellable');
  await withAvailabilityEvents(
    tx,
    resolved.map((row) => row.productId),
    async () => {
      await applyOnHandChanges(
        tx,
        changes.filter((c) => c.delta !== 0 || c.damaged !== 0 || c.qualityControl !== 0),
      );
      await appendMovements(tx, movements);
    },
  );
  const shortfalls = await openShortfalls(
    tx,
    [...levels.values()].filter(
      (level) => sellable(after(level)) < level.reserved && sellable(after(level)) < sellable(level),
    ),
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
}

/**
 * Claims the feed's reference, or returns what the batch that claimed it before did. Claiming first
 * makes a concurrent replay wait for this transaction, then no-op.
 */
export async function claimReference(
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

const stateNames: Record<StockState, string> = {
  sellable: 'sellable',
  damaged: 'damaged',
  quality_control: 'in quality control',
};

/** A row's new units at its level, or what is wrong with them. */
function rowUnits(row: ResolvedItem, before: Units): Units | string {
  const onHand = row.target(before.onHand);
  const state = row.state ?? 'sellable';
  const delta = onHand - before.onHand;
  const next = {
    onHand,
    damaged: before.damaged + (state === 'damaged' ? delta : 0),
    qualityControl: before.qualityControl + (state === 'quality_control' ? delta : 0),
  };
  const where = `${row.sku} at ${row.location}`;
  if (onHand < 0) {
    return `would leave ${where} with ${onHand} on hand (has ${before.onHand})`;
  }
  if (state !== 'sellable' && unitsIn(next, state) < 0) {
    return `would leave ${where} with ${unitsIn(next, state)} ${stateNames[state]} (has ${unitsIn(before, state)})`;
  }
  if (unitsIn(next, 'sellable') < 0) {
    const held = next.damaged + next.qualityControl;
    return `would leave ${where} with ${onHand} on hand, fewer than its ${held} damaged or in quality control: move or write those off first`;
  }
  return next;
}

/** The units each row leaves and its ledger rows; a row that would go below zero fails the batch. */
function plannedMovements(
  resolved: ResolvedItem[],
  levels: Map<string, LockedLevel>,
  reason: (row: number) => LedgerRow['reason'],
  reference: string,
  actor: Actor,
): { units: Map<string, Units>; movements: LedgerRow[] } {
  const units = new Map<string, Units>([...levels]);
  const movements: LedgerRow[] = [];
  const errors: FieldError[] = [];
  resolved.forEach((row, i) => {
    const key = levelKey(row.productId, row.locationId);
    const before = units.get(key) ?? { onHand: 0, damaged: 0, qualityControl: 0 };
    const after = rowUnits(row, before);
    if (typeof after === 'string') {
      errors.push(bodyError(`/items/${i}`, after));
      return;
    }
    units.set(key, after);
    movements.push({
      productId: row.productId,
      locationId: row.locationId,
      reason: reason(i),
      quantityChange: after.onHand - before.onHand,
      onHandAfter: after.onHand,
      reference,
      apiKeyId: actor.apiKeyId,
      stockState: row.state ?? 'sellable',
    });
  });
  if (errors.length > 0) {
    throw invalid(errors, 'Some rows are invalid; nothing was applied');
  }
  return { units, movements };
}
