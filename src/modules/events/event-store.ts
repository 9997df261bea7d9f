import { type SQL, sql } from 'drizzle-orm';
import { type Actor, currentActor } from '../../actor.js';
import type { Executor } from '../../db/client.js';
import type { EventBody } from './events.schemas.js';

/** The SQL of the events table that every module's outbox, the feed and the webhook dispatcher share. */

export interface NewEvent {
  type: string;
  resourceType: string;
  resourceId: string;
  channel?: string | null;
  data: Record<string, unknown>;
  /** Who caused it; by default whoever acts in the current context (a request's key, a worker). */
  actor?: Actor;
}

/**
 * The INSERT of a batch of events, to run alone or together with other writes (src/db/batch.ts). The
 * batch travels as one JSON document: cheaper to send than an array of JSON strings, which the driver
 * would have to escape one by one. `computed` is a query of more events (type, resource_type,
 * resource_id, channel, data) built in SQL by the caller's statement; they come first, in its order,
 * with the current actor.
 */
export function eventsInsert(batch: NewEvent[], computed?: SQL): SQL | undefined {
  if (batch.length === 0 && !computed) {
    return undefined;
  }
  const actor = currentActor();
  const rows = batch.map((e) => ({
    type: e.type,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    channel: e.channel ?? null,
    data: e.data,
    actor: e.actor ?? actor,
  }));
  const sent = sql`SELECT type, resource_type, resource_id, channel, data, actor
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS e(type text, resource_type text, resource_id text, channel text, data jsonb, actor jsonb)`;
  return sql`INSERT INTO events (type, resource_type, resource_id, channel, data, actor)
    ${
      computed
        ? sql`(SELECT c.type, c.resource_type, c.resource_id, c.channel, c.data, ${JSON.stringify(actor)}::jsonb
                 FROM (${computed}) AS c)
              UNION ALL (${sent})`
        : sent
    }`;
}

/** Appends domain events inside the caller's transaction (the outbox): they commit with the change. */
export async function appendEvents(tx: Executor, batch: NewEvent[]): Promise<void> {
  const insert = eventsInsert(batch);
  if (insert) {
    await tx.execute(insert);
  }
}

export type EventRow = {
  id: string;
  type: string;
  position: string | number;
  occurred_at: string | Date;
  resource_type: string;
  resource_id: string;
  channel: string | null;
  actor: Actor;
  data: Record<string, unknown>;
};

/** The columns an event is presented from, for queries that select events (the feed, deliveries). */
export const eventColumns = (alias: SQL) =>
  sql`${alias}.id, ${alias}.type, ${alias}.position, ${alias}.occurred_at, ${alias}.resource_type,
      ${alias}.resource_id, ${alias}.channel, ${alias}.actor, ${alias}.data`;

export const presentEvent = (row: EventRow): EventBody => ({
  id: row.id,
  type: row.type,
  sequence: Number(row.position),
  occurred_at: new Date(row.occurred_at).toISOString(),
  resource_type: row.resource_type,
  resource_id: row.resource_id,
  channel: row.channel,
  actor: row.actor,
  data: row.data,
});
