import { sqlState } from '../../db/pg-errors.js';

/** The (channel, external_id) already has an order: the caller returns that one. */
export class RepeatedOrder extends Error {}

/** A concurrent order took a location's last room for the day: capture runs again and routes elsewhere. */
export class CapacityTaken extends Error {}

/** The stock the order was planned on moved before it was written: capture reads and plans again. */
export class StockMoved extends Error {}

/** What the write's refusal (`ordo_refuse`, migration 0025) means. */
const refusals: Record<string, new () => Error> = {
  OR001: RepeatedOrder,
  OR002: CapacityTaken,
  OR003: StockMoved,
};
export function refusal(err: unknown): unknown {
  const Refused = refusals[sqlState(err) ?? ''];
  return Refused ? new Refused() : err;
}
