import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { ActorView } from '../events/index.js';
import { timelineResourceTypes } from './timeline.schemas.js';

export type TimelineRow = {
  sequence: string | number;
  id: string;
  position: string | number | null;
  type: string;
  resource_type: (typeof timelineResourceTypes)[number];
  resource_id: string;
  occurred_at: string | Date;
  actor: ActorView;
  data: Record<string, unknown>;
};

const resourceTypes = sql.join(
  timelineResourceTypes.map((type) => sql`${type}`),
  sql`, `,
);

/**
 * Up to `limit` events of the order and of its shipments, returns and refunds after insert position
 * `after`, in insert order. A read-only join over the fulfilment and returns tables: the resource ids
 * first (each by its order index), then the events through the partial timeline index.
 */
export async function timelineEvents(
  db: Db,
  orderId: string,
  after: number,
  limit: number,
): Promise<TimelineRow[]> {
  const result = await db.execute<TimelineRow>(sql`
    SELECT e.sequence, e.id, e.position, e.type, e.resource_type, e.resource_id, e.occurred_at, e.actor, e.data
      FROM events e
     WHERE e.resource_type IN (${resourceTypes})
       AND e.resource_id = ANY(ARRAY(
             SELECT ${orderId}::text
             UNION ALL SELECT s.id::text FROM shipments s WHERE s.order_id = ${orderId}
             UNION ALL SELECT r.id::text FROM returns r WHERE r.order_id = ${orderId}
             UNION ALL SELECT f.id::text FROM refunds f WHERE f.order_id = ${orderId}))
       AND e.sequence > ${after}
     ORDER BY e.sequence
     LIMIT ${limit}`);
  return result.rows;
}
