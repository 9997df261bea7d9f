import { inTransaction } from '../../db/transaction.js';
import { kitsContaining } from '../catalog/index.js';
import { locationAvailability } from '../inventory/index.js';
import { callAdmin } from './admin-call.js';
import { allConnectors, type ConnectorRow } from './connector-store.js';
import type { ConnectorDeps } from './deps.js';
import { inventoryItemsQuery, setQuantitiesMutation, skuQuery } from './shopify-admin.js';
import {
  advanceCursor,
  changedSkus,
  coalesce,
  dueRows,
  endLease,
  lockCursor,
  markPushed,
  type PushRow,
  rememberItems,
  takeLease,
} from './stock-store.js';

/** Most quantities in one `inventorySetQuantities` call (Shopify's limit). */
export const batchSize = 250;
const eventsPerPass = 2000;
const batchesPerRun = 20;
/** Bucket points a call of 250 quantities is assumed to need before Shopify reports its real cost. */
const callCost = 20;

/**
 * Turns each connected channel's `inventory.availability_changed` events into the latest sellable
 * quantity per mapped location, coalesced per SKU and location, and moves the feed cursor in the same
 * transaction: a change is either waiting to be pushed or not yet read, never lost.
 */
export async function collectStock(deps: Pick<ConnectorDeps, 'db'>): Promise<number> {
  let collected = 0;
  for (const connector of await allConnectors(deps.db)) {
    if (Object.keys(connector.locations).length === 0) {
      continue;
    }
    collected += await inTransaction(deps.db, async (tx) => {
      const locked = await lockCursor(tx, connector.channelId);
      if (locked === undefined) {
        return 0;
      }
      const changed = await changedSkus(tx, connector.channel, locked.cursor, eventsPerPass);
      if (changed.last === locked.cursor) {
        return 0;
      }
      // A kit sells what its components make: when they move, so does it.
      const kits = await kitsContaining(tx, changed.productIds);
      const levels = await locationAvailability(tx, [...changed.productIds, ...kits], connector.channel);
      const rows = levels
        .filter((level) => locked.locations[level.location] !== undefined)
        .map((level) => ({ sku: level.sku, location: level.location, quantity: level.available }));
      await coalesce(tx, connector.channelId, rows);
      await advanceCursor(tx, connector.channelId, changed.last);
      return rows.length;
    });
  }
  return collected;
}

/** Pushes every connector's due quantities; returns how many were sent. */
export async function pushStock(deps: ConnectorDeps): Promise<number> {
  let pushed = 0;
  for (const connector of await allConnectors(deps.db)) {
    pushed += await pushConnector(deps, connector);
  }
  return pushed;
}

interface RunState {
  pushed: number;
  error: string | null;
  pausedUntil: Date | null;
}

/** Under the connector's lease: batches of at most 250, until none is due or Shopify asks to wait. */
async function pushConnector(deps: ConnectorDeps, connector: ConnectorRow): Promise<number> {
  if (!(await takeLease(deps.db, connector.channelId, deps.clock.now()))) {
    return 0;
  }
  const run: RunState = { pushed: 0, error: null, pausedUntil: null };
  try {
    for (let batch = 0; batch < batchesPerRun && run.pausedUntil === null; batch++) {
      const rows = await dueRows(deps.db, connector.channelId, batchSize);
      if (rows.length === 0) {
        break;
      }
      await pushBatch(deps, connector, rows, run);
    }
  } finally {
    await endLease(deps.db, connector.channelId, { ...run, pushed: run.pushed > 0, now: deps.clock.now() });
  }
  return run.pushed;
}

const pauseFor = (deps: Pick<ConnectorDeps, 'clock'>, seconds: number) =>
  new Date(deps.clock.now().getTime() + Math.ceil(seconds * 1000));

/** Looks up the inventory items of SKUs not yet known; SKUs Shopify does not have are marked done. */
async function resolveItems(deps: ConnectorDeps, connector: ConnectorRow, rows: PushRow[], run: RunState) {
  const unknown = [...new Set(rows.filter((row) => !row.inventoryItemId).map((row) => row.sku))];
  if (unknown.length === 0) {
    return rows;
  }
  const items = new Map<string, string>();
  for (let i = 0; i < unknown.length && run.pausedUntil === null; i += batchSize) {
    const skus = unknown.slice(i, i + batchSize);
    const outcome = await callAdmin(
      deps,
      connector,
      inventoryItemsQuery,
      { query: skuQuery(skus), first: batchSize },
      callCost,
    );
    if (outcome.kind === 'retry') {
      run.error = outcome.error;
      run.pausedUntil = pauseFor(deps, outcome.waitSeconds);
      return [];
    }
    const nodes =
      (outcome.data.inventoryItems as { nodes?: Array<{ id: string; sku: string | null }> })?.nodes ?? [];
    for (const node of nodes) {
      if (node.sku && skus.includes(node.sku)) {
        items.set(node.sku, node.id);
      }
    }
    if (outcome.waitSeconds > 0) {
      run.pausedUntil = pauseFor(deps, outcome.waitSeconds);
    }
  }
  await rememberItems(deps.db, connector.channelId, items);
  const absent = rows.filter((row) => !row.inventoryItemId && !items.has(row.sku));
  await markPushed(deps.db, connector.channelId, absent, 'the SKU is not a Shopify inventory item');
  return rows
    .filter((row) => row.inventoryItemId || items.has(row.sku))
    .map((row) => ({ ...row, inventoryItemId: row.inventoryItemId ?? items.get(row.sku) ?? null }));
}

async function pushBatch(deps: ConnectorDeps, connector: ConnectorRow, due: PushRow[], run: RunState) {
  // A location mapped after this run read the connector waits for the next run, which knows its GID.
  const mapped = due.filter((row) => connector.locations[row.location] !== undefined);
  const rows = await resolveItems(deps, connector, mapped, run);
  if (rows.length === 0 || run.pausedUntil !== null) {
    return;
  }
  const input = {
    name: 'available',
    reason: 'correction',
    referenceDocumentUri: `ordo://channels/${connector.channel}/availability`,
    quantities: rows.map((row) => ({
      inventoryItemId: row.inventoryItemId,
      locationId: connector.locations[row.location],
      quantity: row.quantity,
      changeFromQuantity: null,
    })),
  };
  const outcome = await callAdmin(deps, connector, setQuantitiesMutation, { input }, callCost);
  if (outcome.kind === 'retry') {
    run.error = outcome.error;
    run.pausedUntil = pauseFor(deps, outcome.waitSeconds);
    return;
  }
  const result = outcome.data.inventorySetQuantities as { userErrors?: Array<{ message: string }> } | null;
  const userError = result?.userErrors?.map((e) => e.message).join('; ') || null;
  await markPushed(deps.db, connector.channelId, rows, userError);
  if (userError) {
    run.error = `Shopify refused some quantities: ${userError}`.slice(0, 500);
  }
  run.pushed += rows.length;
  if (outcome.waitSeconds > 0) {
    run.pausedUntil = pauseFor(deps, outcome.waitSeconds);
  }
}
