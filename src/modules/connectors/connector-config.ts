import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { shopifyConnectors, shopifyInbox, shopifyStockPushes } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { bodyError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import {
  type ConnectorRow,
  channelIdOf,
  deleteConnector,
  findConnector,
  presentConnector,
} from './connector-store.js';
import type { Connector, ConnectorStatus, PutConnector } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { fulfilmentCounts } from './fulfilment-store.js';

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

/**
 * Creates or replaces the channel's connector. Secrets left out keep their stored value (they are
 * required the first time). The first time also creates the connector's channel-bound key.
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
  if (existing) {
    const row = await inTransaction(deps.db, async (tx) => {
      await tx
        .update(shopifyConnectors)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(shopifyConnectors.channelId, channelId));
      return findConnector(tx, channel);
    });
    return { connector: presentConnector(row as ConnectorRow), created: false };
  }
  const key = await deps.apiKeys.create({
    name: `Shopify connector (${channel})`,
    scopes: ['orders:read', 'orders:write'],
    channel,
  });
  await deps.db
    .insert(shopifyConnectors)
    .values({
      channelId,
      apiKeyId: key.id,
      webhookSecret: input.webhook_secret ?? '',
      accessToken: input.access_token ?? '',
      ...values,
    })
    .onConflictDoUpdate({ target: shopifyConnectors.channelId, set: { ...values, updatedAt: sql`now()` } });
  const row = await findConnector(deps.db, channel);
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
