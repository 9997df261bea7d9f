import type { SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { assignIncoming, coveredUnits, freeIncoming, partsOf, type QueuePlace } from '../promising/index.js';
import type { RoutingSession } from '../routing/index.js';
import { type LineIncoming, promisesInsert } from './backorder-promise-store.js';
import { isKit } from './kit-lines.js';
import type { LineRow } from './order-store.js';

export interface BackorderPromise {
  /** The promised delivery date: when the last incoming units can arrive; null if a unit is not covered. */
  date: string | null;
  /** What each backordered line is promised, as the order shows it. */
  incoming: LineIncoming[];
  /** The promises' INSERT, for the caller's statement. */
  insert: SQL | undefined;
}

/**
 * A new order's promise for what it backorders, in capture's transaction: one more query, only for an
 * order that waits (the incoming units of its backordered products its channel may have, less what
 * orders ahead of it in the queue were promised); its lines then take them soonest first, and the date
 * is what its routing session gives parcels leaving once they arrive.
 */
export async function promiseNewBackorder(
  tx: Executor,
  input: {
    channelId: number;
    place: QueuePlace;
    lines: LineRow[];
    routing: Pick<RoutingSession, 'incomingDeliveryDate'>;
    now: Date;
    /** A condition of the caller's statement the INSERT runs under. */
    onlyIf?: SQL;
  },
): Promise<BackorderPromise> {
  const waiting = input.lines.filter((line) => !isKit(line) && line.quantityBackordered > 0);
  const free = await freeIncoming(tx, {
    channelId: input.channelId,
    productIds: [...new Set(waiting.map((line) => line.productId))],
    place: input.place,
    now: input.now,
  });
  const covers = assignIncoming(
    waiting.map((line) => ({
      key: line.id,
      channelId: input.channelId,
      productId: line.productId,
      quantity: line.quantityBackordered,
    })),
    free,
  );
  const covered = waiting.every((line) => coveredUnits(covers.get(line.id)) >= line.quantityBackordered);
  const all = [...covers].flatMap(([lineId, list]) => list.map((cover) => ({ lineId, ...cover })));
  return {
    date: covered ? input.routing.incomingDeliveryDate(partsOf(all)) : null,
    incoming: all.map(({ lineId, units, quantity }) => ({
      lineId,
      inboundShipment: units.inboundShipment,
      reference: units.reference,
      location: units.location,
      expectedDate: units.expectedDate,
      quantity,
    })),
    insert: promisesInsert(
      all.map(({ lineId, units, quantity }) => ({ lineId, inboundLineId: units.inboundLineId, quantity })),
      input.onlyIf,
    ),
  };
}
