import { sql } from 'drizzle-orm';
import { conflict, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { WebhookDeps } from './deps.js';
import { wants } from './subscription-match.js';
import { visibleSubscription } from './subscription-store.js';
import { limits, type Replay } from './webhooks.schemas.js';

/** Queues the numbered events in [from, to] that the subscription wants, in sequence order. */
export async function replay(
  { db }: Pick<WebhookDeps, 'db'>,
  subscriptionId: string,
  input: Replay,
  caller: Caller,
): Promise<{ deliveries: number }> {
  const subscription = await visibleSubscription(db, subscriptionId, caller);
  if (input.to_sequence < input.from_sequence) {
    throw invalid([{ in: 'body', pointer: '/to_sequence', detail: 'must not be below from_sequence' }]);
  }
  if (input.to_sequence - input.from_sequence >= limits.replayEvents) {
    throw invalid([
      {
        in: 'body',
        pointer: '/to_sequence',
        detail: `a replay covers at most ${limits.replayEvents} sequence numbers; split the range`,
      },
    ]);
  }
  if (!subscription.active) {
    throw conflict('The subscription is disabled; enable it (PATCH active: true) before replaying');
  }
  const result = await db.execute(sql`
    INSERT INTO webhook_deliveries (subscription_id, event_sequence, event_occurred_at, origin)
    SELECT s.id, e.sequence, e.occurred_at, 'replay'
      FROM events e JOIN webhook_subscriptions s ON s.id = ${subscriptionId} AND ${wants('s', 'e')}
     WHERE e.position BETWEEN ${input.from_sequence} AND ${input.to_sequence}
     ORDER BY e.position`);
  return { deliveries: result.rowCount ?? 0 };
}
