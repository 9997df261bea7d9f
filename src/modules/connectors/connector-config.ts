import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyConnectors, shopifyInbox, shopifyStockPushes } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { bodyError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { channelStockSelect, stockedProducts } from '../inventory/index.js';
import {
  type ConnectorRow,
  channelIdOf,
  deleteConnector,
  findConnector,
  lockLocationMap,
  presentConnector,
} from './connector-store.js';
import type { Connector, ConnectorStatus, PutConnector } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { fulfilmentCounts } from './fulfilment-store.js';
import { dropUnmapped, feedPosition, queueAll } from './stock-store.js';

/** A channel-bound key sees only its own channel's connector; another channel's does not exist. */
function assertVisible(caller: Caller, channel: string): void {
  if (caller.channel !== null && caller.channel !== channel) {
    throw notFound(`The Shopify connector of channel ${channel}`);
  }
}

/** The connector of `channel`, or a 404. */
export async function getConnector(deps: Pick<ConnectorDeps, 'db'>, channel: string, caller: Caller) {
  assertVisible(caller, channel);
  const row = await findConnector(deps.db, channel);
  if (!row) {
    throw notFound(`The Shopify connector of channel ${channel}`);
  }
  return row;
}

/** Ordo locations whose Shopify location is new or another one: they have none of Ordo's quantities yet. */
const newlyMapped = (before: Record<string, string>, after: Record<string, string>) =>
  Object.keys(after).filter((code) => before[code] !== after[code]);

/** Rows one statement of a full push writes at most (about a second's work), so none nears the statement timeout. */
const rowsPerStatement = 100_000;

/**
 * After the location map changed (or was first set): every sellable quantity of the newly mapped
 * locations is queued through the same coalesced queue as later changes, range of products by range
 * of products, and what was queued for locations no longer mapped is dropped. Called with the connector
 * row locked, so the stock collector (which locks it too) does not interleave.
 */
async function queueMappedStock(
  tx: Executor,
  connector: { channelId: number; channel: string },
  before: Record<string, string>,
  after: Record<string, string>,
): Promise<void> {
  await dropUnmapped(tx, connector.channelId, Object.keys(after));
  const fresh = newlyMapped(before, after);
  const products = fresh.length > 0 ? await stockedProducts(tx) : undefined;
  if (products === undefined) {
    return;
  }
  const step = Math.max(1, Math.floor(rowsPerStatement / fresh.length));
  for (let from = products.first; from <= products.last; from += step) {
    const stock = channelStockSelect(connector.channel, fresh, { from, to: from + step - 1 });
    await queueAll(tx, connector.channelId, stock);
  }
}

/**
 * Creates or replaces the channel's connector. Secrets left out keep their stored value (they are
 * required the first time). The first time also creates the connector's channel-bound key. Either way,
 * the current stock of every newly mapped location is queued for Shopify.
 */
export async function putConnector(
  deps: Pick<ConnectorDeps, 'db' | 'apiKeys'>,
  channel: string,
  input: PutConnector,
): Promise<{ connector: Connector; created: boolean }> {
  const channelId = await channelIdOf(deps.db, channel);
  const existing = await findConnector(deps.db, channel);
  const missing = (['webhook_secret', 'access_token'] as const).filter((field) => !input[field]);
  if (!existing && missing.length > 0) {
    throw invalid(missing.map((field) => bodyError(`/${field}`, 'is required to connect a store')));
  }
  const values = {
    shopDomain: input.shop_domain,
    apiVersion: input.api_version,
    locations: input.locations,
    ...(input.webhook_secret ? { webhookSecret: input.webhook_secret } : {}),
    ...(input.access_token ? { accessToken: input.access_token } : {}),
  };
  const ids = { channelId, channel };
  if (existing) {
    const row = await inTransaction(deps.db, async (tx) => {
      const before = (await lockLocationMap(tx, channelId)) ?? {};
      await tx
        .update(shopifyConnectors)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(shopifyConnectors.channelId, channelId));
      await queueMappedStock(tx, ids, before, input.locations);
      return findConnector(tx, channel);
    });
    return { connector: presentConnector(row as ConnectorRow), created: false };
  }
  const key = await deps.apiKeys.create({
    name: `Shopify connector (${channel})`,
    scopes: ['orders:read', 'orders:write'],
    channel,
  });
  const row = await inTransaction(deps.db, async (tx) => {
    await tx
      .insert(shopifyConnectors)
      .values({
        channelId,
        apiKeyId: key.id,
        webhookSecret: input.webhook_secret ?? '',
        accessToken: input.access_token ?? '',
        // The full push below covers every availability change up to now: the collector starts after.
        stockCursor: await feedPosition(tx),
        ...values,
      })
      .onConflictDoUpdate({ target: shopifyConnectors.channelId, set: { ...values, updatedAt: sql`now()` } });
    await queueMappedStock(tx, ids, {}, input.locations);
    return findConnector(tx, channel);
  });
  return { connector: presentConnector(row as ConnectorRow), created: true };
}

export async function removeConnector(deps: Pick<ConnectorDeps, 'db'>, channel: string): Promise<void> {
  const channelId = await channelIdOf(deps.db, channel);
  if (!(await deleteConnector(deps.db, channelId))) {
    throw notFound(`The Shopify connector of channel ${channel}`);
  }
}

/** The stock backlog, the last push and the last error, and how many deliveries wait in the inbox. */
export async function connectorStatus(
  deps: Pick<ConnectorDeps, 'db'>,
  channel: string,
  caller: Caller,
): Promise<ConnectorStatus> {
  const row = await getConnector(deps, channel, caller);
  const [[backlog], [inbox], fulfilments] = await Promise.all([
    deps.db
      .select({ n: count() })
      .from(shopifyStockPushes)
      .where(
        sql`${shopifyStockPushes.channelId} = ${row.channelId} AND ${shopifyStockPushes.version} > ${shopifyStockPushes.pushedVersion}`,
      ),
    deps.db
      .select({ n: count() })
      .from(shopifyInbox)
      .where(and(eq(shopifyInbox.channelId, row.channelId), isNull(shopifyInbox.dismissedAt))),
    fulfilmentCounts(deps.db, row.channelId),
  ]);
  const iso = (at: Date | null) => (at === null ? null : at.toISOString());
  return {
    channel,
    backlog: backlog?.n ?? 0,
    inbox: inbox?.n ?? 0,
    fulfilments_pending: fulfilments.pending,
    fulfilments_failed: fulfilments.failed,
    last_push_at: iso(row.lastPushAt),
    last_error: row.lastError,
    last_error_at: iso(row.lastErrorAt),
    paused_until: iso(row.pushPausedUntil),
  };
}
