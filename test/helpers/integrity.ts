import type pg from 'pg';
import { brokenInvariants } from './stock.js';

/**
 * Whatever a crash or a lost connection could have left half-written, as rows that show it (all empty
 * when the database is whole): orders without lines, lines whose allocated units are not the units
 * their active reservations hold, orders without their `order.created` event, and the stock levels
 * that break the engine's invariants (reserved = active reservations, on_hand = ledger, no negatives).
 */
export async function halfWritten(pool: pg.Pool) {
  const ids = async (sql: string) => (await pool.query(sql)).rows.map((row) => String(row.id));
  return {
    ordersWithoutLines: await ids(
      'SELECT o.id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)',
    ),
    linesNotReserved: await ids(
      `SELECT l.id FROM order_lines l
        WHERE l.quantity_allocated <> coalesce((SELECT sum(r.quantity) FROM reservations r
                                                 WHERE r.order_line_id = l.id AND r.status = 'active'), 0)`,
    ),
    ordersWithoutEvents: await ids(
      `SELECT o.id FROM orders o WHERE NOT EXISTS (
         SELECT 1 FROM events e WHERE e.resource_id = o.id::text AND e.type = 'order.created')`,
    ),
    brokenLevels: await brokenInvariants(pool),
  };
}

export const whole = {
  ordersWithoutLines: [],
  linesNotReserved: [],
  ordersWithoutEvents: [],
  brokenLevels: [],
};
