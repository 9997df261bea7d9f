import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyConnectors } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Connector } from './connectors.schemas.js';

/** The SQL of the connector rows: finding one by channel code, presenting it. */

export type ConnectorRow = typeof shopifyConnectors.$inferSelect & { channel: string };

/** The channel's id (active or not), or a 404. */
export async function channelIdOf(tx: Executor, code: string): Promise<number> {
  const result = await tx.execute<{ id: string }>(sql`SELECT id FROM channels WHERE code = ${code}`);
  const id = result.rows[0]?.id;
  if (id === undefined) {
    throw notFound(`Channel ${code}`);
  }
  return Number(id);
}

/** The connector of a channel, or undefined. */
export async function findConnector(tx: Executor, channel: string): Promise<ConnectorRow | undefined> {
  const rows = await tx
    .select({ row: shopifyConnectors, channel: sql<string>`c.code` })
    .from(shopifyConnectors)
    .innerJoin(sql`channels c`, sql`c.id = ${shopifyConnectors.channelId}`)
    .where(and(sql`c.code = ${channel}`));
  const [found] = rows;
  return found ? { ...found.row, channel: found.channel } : undefined;
}

/** Every connector, for the stock workers. */
export async function allConnectors(tx: Executor): Promise<ConnectorRow[]> {
  const rows = await tx
    .select({ row: shopifyConnectors, channel: sql<string>`c.code` })
    .from(shopifyConnectors)
    .innerJoin(sql`channels c`, sql`c.id = ${shopifyConnectors.channelId}`);
  return rows.map((found) => ({ ...found.row, channel: found.channel }));
}

export const webhookPath = (channel: string) => `/v1/connectors/shopify/${channel}/webhooks`;

/** The connector as the API shows it: never its secrets. */
export const presentConnector = (row: ConnectorRow): Connector => ({
  channel: row.channel,
  shop_domain: row.shopDomain,
  api_version: row.apiVersion,
  locations: row.locations,
  webhook_path: webhookPath(row.channel),
  webhook_secret_set: row.webhookSecret !== '',
  access_token_set: row.accessToken !== '',
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export async function deleteConnector(tx: Executor, channelId: number): Promise<boolean> {
  const gone = await tx
    .delete(shopifyConnectors)
    .where(eq(shopifyConnectors.channelId, channelId))
    .returning({ id: shopifyConnectors.id });
  return gone.length > 0;
}

/** One more Admin API call in a row without a usable answer; returns how many now. */
export async function recordAdminFailure(tx: Executor, channelId: number): Promise<number> {
  const [row] = await tx
    .update(shopifyConnectors)
    .set({ adminFailures: sql`${shopifyConnectors.adminFailures} + 1` })
    .where(eq(shopifyConnectors.channelId, channelId))
    .returning({ failures: shopifyConnectors.adminFailures });
  return row?.failures ?? 1;
}

/** A call succeeded: the run of failures is over (no write when there was none). */
export async function recordAdminSuccess(tx: Executor, channelId: number): Promise<void> {
  await tx
    .update(shopifyConnectors)
    .set({ adminFailures: 0 })
    .where(and(eq(shopifyConnectors.channelId, channelId), sql`${shopifyConnectors.adminFailures} > 0`));
}

/** The connector's location map, its row locked for this transaction; undefined when there is none. */
export async function lockLocationMap(
  tx: Executor,
  channelId: number,
): Promise<Record<string, string> | undefined> {
  const [row] = await tx
    .select({ locations: shopifyConnectors.locations })
    .from(shopifyConnectors)
    .where(eq(shopifyConnectors.channelId, channelId))
    .for('update');
  return row?.locations;
}
