import type { Caller } from '../../http/caller.js';
import { decodeCursor, toPage } from '../../http/pagination.js';
import type { TimelineDeps } from './deps.js';
import { summarize } from './summaries.js';
import type { Timeline, TimelineEntry, TimelineQuery } from './timeline.schemas.js';
import { type TimelineRow, timelineEvents } from './timeline-store.js';

export type TimelineService = ReturnType<typeof createTimelineService>;

function present(row: TimelineRow, fallback: (type: string) => string | undefined): TimelineEntry {
  return {
    id: row.id,
    sequence: row.position === null ? null : Number(row.position),
    type: row.type,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    occurred_at: new Date(row.occurred_at).toISOString(),
    actor: row.actor,
    summary: summarize(row, fallback),
    data: row.data,
  };
}

/** An order's history: every event of it and of its shipments, returns and refunds, oldest first. */
export function createTimelineService(deps: TimelineDeps) {
  const fallback = (type: string) => deps.catalog.definitionOf(type)?.summary;
  return {
    async of(idOrNumber: string, query: TimelineQuery, caller: Caller): Promise<Timeline> {
      const after = decodeCursor(query.cursor, ['number']);
      const { order, channel } = await deps.orders.find(deps.db, idOrNumber, caller);
      const rows = await timelineEvents(deps.db, order.id, Number(after?.[0] ?? 0), query.limit + 1);
      return {
        order: { id: order.id, number: order.number, channel, status: order.status },
        ...toPage(
          rows,
          query.limit,
          (row) => [Number(row.sequence)],
          (row) => present(row, fallback),
        ),
      };
    },
  };
}
