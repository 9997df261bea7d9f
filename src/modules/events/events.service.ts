import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

export interface NewEvent {
  type: string;
  resourceType: string;
  resourceId: string;
  channel?: string | null;
  data: Record<string, unknown>;
}

/** The INSERT of a batch of events, to run alone or together with other writes (src/db/batch.ts). */
export function eventsInsert(batch: NewEvent[]): SQL | undefined {
  if (batch.length === 0) {
    return undefined;
  }
  return sql`INSERT INTO events (type, resource_type, resource_id, channel, data)
    SELECT * FROM unnest(${sql.param(batch.map((e) => e.type))}::text[], ${sql.param(batch.map((e) => e.resourceType))}::text[],
                         ${sql.param(batch.map((e) => e.resourceId))}::text[], ${sql.param(batch.map((e) => e.channel ?? null))}::text[],
                         ${sql.param(batch.map((e) => JSON.stringify(e.data)))}::jsonb[])`;
}

/** Appends domain events inside the caller's transaction (the outbox): they commit with the change. */
export async function appendEvents(tx: Executor, batch: NewEvent[]): Promise<void> {
  const insert = eventsInsert(batch);
  if (insert) {
    await tx.execute(insert);
  }
}
