import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

/** An order's status link as stored (or as it is without a row: version 1, not revoked). */
export interface LinkState {
  orderId: string;
  orderNumber: number;
  channel: string;
  version: number;
  revoked: boolean;
  /** When the link stops working: days after the last delivery (or the cancellation); null while in flight. */
  expiresAt: Date | null;
}

type LinkRow = {
  order_id: string;
  number: number | string;
  channel: string;
  version: number;
  revoked: boolean;
  expires_at: Date | string | null;
};

const stateOf = (row: LinkRow): LinkState => ({
  orderId: row.order_id,
  orderNumber: Number(row.number),
  channel: row.channel,
  version: row.version,
  revoked: row.revoked,
  expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
});

/**
 * The links of these orders; orders that do not exist are missing from the answer. A link expires
 * `days` after the order's last delivery, or after its cancellation (its `order.cancelled` event: the
 * row's `updated_at` moves with any later write), once the order is settled.
 */
export async function linkStates(tx: Executor, orderIds: string[], days: number): Promise<LinkState[]> {
  const result = await tx.execute<LinkRow>(sql`
    SELECT o.id AS order_id, o.number, c.code AS channel, coalesce(l.version, 1) AS version, l.revoked_at IS NOT NULL AS revoked,
           CASE WHEN o.status IN ('delivered', 'partially_returned', 'returned', 'cancelled')
                THEN coalesce((SELECT max(s.delivered_at) FROM shipments s WHERE s.order_id = o.id),
                              (SELECT max(e.occurred_at) FROM events e
                                WHERE o.status = 'cancelled' AND e.resource_type = 'order'
                                  AND e.resource_id = o.id::text AND e.type = 'order.cancelled'),
                              o.updated_at)
                     + make_interval(days => ${days}::int)
           END AS expires_at
      FROM orders o JOIN channels c ON c.id = o.channel_id LEFT JOIN status_links l ON l.order_id = o.id
     WHERE o.id = ANY(${sql.param(orderIds)}::uuid[])`);
  return result.rows.map(stateOf);
}

/** A new version of the order's link, not revoked: every token issued before stops working. Returns it. */
export async function renewLink(tx: Executor, orderId: string, now: Date): Promise<number> {
  const result = await tx.execute<{ version: number }>(sql`
    INSERT INTO status_links (order_id, version, revoked_at, updated_at) VALUES (${orderId}, 2, NULL, ${now})
    ON CONFLICT (order_id) DO UPDATE SET version = status_links.version + 1, revoked_at = NULL, updated_at = ${now}
    RETURNING version`);
  return result.rows[0]?.version ?? 2;
}

/** Revokes the order's link (kept revoked if it already was). */
export async function revokeLink(tx: Executor, orderId: string, now: Date): Promise<void> {
  await tx.execute(sql`
    INSERT INTO status_links (order_id, version, revoked_at, updated_at) VALUES (${orderId}, 1, ${now}, ${now})
    ON CONFLICT (order_id) DO UPDATE
      SET revoked_at = coalesce(status_links.revoked_at, ${now}), updated_at = ${now}`);
}

/**
 * The named secret, made on first use and shared by every process from then on. Two processes making
 * it at once agree on the first one written.
 */
export async function instanceSecret(tx: Executor, name: string): Promise<string> {
  for (;;) {
    const result = await tx.execute<{ secret: string }>(sql`
      WITH made AS (
        INSERT INTO instance_secrets (name, secret) VALUES (${name}, ${randomBytes(32).toString('base64url')})
        ON CONFLICT (name) DO NOTHING RETURNING secret)
      SELECT secret FROM made UNION ALL SELECT secret FROM instance_secrets WHERE name = ${name}`);
    const secret = result.rows[0]?.secret;
    // Empty only when another process wrote it after this statement's snapshot: read it again.
    if (secret !== undefined) {
      return secret;
    }
  }
}
