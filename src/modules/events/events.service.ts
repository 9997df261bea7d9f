import type { Executor } from '../../db/client.js';
import { events } from '../../db/schema/index.js';

export interface NewEvent {
  type: string;
  resourceType: string;
  resourceId: string;
  channel?: string | null;
  data: Record<string, unknown>;
}

/** Appends domain events inside the caller's transaction (the outbox): they commit with the change. */
export async function appendEvents(tx: Executor, batch: NewEvent[]): Promise<void> {
  if (batch.length > 0) {
    await tx.insert(events).values(
      batch.map((event) => ({
        type: event.type,
        resourceType: event.resourceType,
        resourceId: event.resourceId,
        channel: event.channel ?? null,
        data: event.data,
      })),
    );
  }
}
