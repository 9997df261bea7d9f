import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { type Sellable, type SellableRow, sellableSelect, toSellableRows } from '../inventory/index.js';
import type { CaptureDraft } from './capture-draft.js';
import { RepeatedOrder } from './capture-refusals.js';

/** What capture draws before it writes: the ids of every row to write, and the products' levels. */
export interface Drawn {
  orderId: string;
  number: number;
  lineIds: number[];
  holdIds: number[];
  productIds: number[];
  levels: SellableRow[];
  /** The levels were read under lock, in the transaction the order is written in. */
  locked: boolean;
}

/**
 * Reads the levels of the order's products, checks for an earlier copy and draws the ids, in one
 * statement. Without `lock` it runs before the transaction and the write checks the plan under the
 * levels' locks (`stockCheck`); with it, inside the transaction, it locks them first and nothing can
 * move: the last try of a capture whose stock kept moving.
 */
export async function drawCapture(
  executor: Executor,
  draft: CaptureDraft,
  { lock }: { lock: boolean },
): Promise<Drawn> {
  const productIds = draft.rejection ? [] : [...new Set(draft.lines.map((line) => line.productId))];
  // The checks' holds, one for stock or a routing review, and one for credit.
  const holdSlots = draft.needs.length + 1 + (draft.creditAccountId ? 1 : 0);
  const first = await executor.execute<{
    existing: string | null;
    order_id: string;
    number: string;
    line_ids: string[];
    hold_ids: string[];
    levels: Sellable | null;
  }>(sql`
    WITH levels AS (${sellableSelect(productIds, { lock })})
    SELECT (SELECT id FROM orders WHERE channel_id = ${draft.channel.id} AND external_id = ${draft.order.externalId}) AS existing,
           gen_random_uuid() AS order_id,
           nextval('order_number_seq') AS number,
           ARRAY(SELECT nextval('order_lines_id_seq') FROM generate_series(1, ${draft.lines.length})) AS line_ids,
           ARRAY(SELECT nextval('holds_id_seq') FROM generate_series(1, ${holdSlots})) AS hold_ids,
           (SELECT sellable FROM levels) AS levels`);
  const drawn = first.rows[0];
  if (!drawn || drawn.existing) {
    throw new RepeatedOrder();
  }
  return {
    orderId: drawn.order_id,
    number: Number(drawn.number),
    lineIds: drawn.line_ids.map(Number),
    holdIds: drawn.hold_ids.map(Number),
    productIds,
    levels: toSellableRows(drawn.levels ?? undefined),
    locked: lock,
  };
}
