import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { ShippedOnTerms } from './deps.js';
import type { OrderStatus } from './order-state.js';

/**
 * What an account's order is worth on credit, in SQL over its customer lines (kit components carry no
 * price). The order's total (discounts, shipping and tax included) is spread over its lines' value:
 * `billable` is the share of the units not cancelled, `shipped` the share of the units shipped, both
 * rounded to minor units, so the shares of every shipment add up to exactly the total. An order of
 * free lines spreads by units instead.
 */
const creditValue = (order: SQL) => sql`
  SELECT CASE WHEN v.fv > 0 THEN round(${order}.total * v.bv / v.fv) ELSE round(${order}.total * v.bu / v.fu) END::bigint AS billable,
         CASE WHEN v.fv > 0 THEN round(${order}.total * v.sv / v.fv) ELSE round(${order}.total * v.su / v.fu) END::bigint AS shipped
    FROM (SELECT sum(l.quantity * l.unit_price + l.tax_amount)::numeric AS fv,
                 sum(l.quantity)::numeric AS fu,
                 sum((l.quantity - l.quantity_cancelled) * (l.unit_price + l.tax_amount::numeric / l.quantity)) AS bv,
                 sum(l.quantity - l.quantity_cancelled)::numeric AS bu,
                 sum(l.quantity_shipped * (l.unit_price + l.tax_amount::numeric / l.quantity)) AS sv,
                 sum(l.quantity_shipped)::numeric AS su
            FROM order_lines l WHERE l.order_id = ${order}.id AND l.kit_line_number IS NULL) v`;

/** Statuses in which an order may still have units neither shipped nor cancelled (the others are 0). */
const stillOpen: OrderStatus[] = [
  'received',
  'validated',
  'on_hold',
  'backordered',
  'allocated',
  'released',
  'partially_shipped',
];

/**
 * The account's orders on terms that may still be open (a shipped, delivered, returned or cancelled
 * order's units are all shipped or cancelled): what each is still open for (billable and not yet
 * shipped, hence not yet invoiced) and its open credit hold if any, oldest first. Read-only SQL for
 * the accounts module's exposure.
 */
export const accountOrdersSelect = (accountId: string) => sql`
  SELECT o.id AS order_id, o.number, o.total, GREATEST(v.billable - v.shipped, 0)::bigint AS open_value,
         h.id AS credit_hold_id
    FROM orders o
    CROSS JOIN LATERAL (${creditValue(sql`o`)}) v
    LEFT JOIN LATERAL (SELECT id FROM holds
                        WHERE order_id = o.id AND kind = 'credit' AND status = 'open' ORDER BY id LIMIT 1) h ON true
   WHERE o.account_id = ${accountId} AND o.payment_terms IS NOT NULL AND o.payment_terms <> 'prepaid'
     AND o.status = ANY(${sql.param(stillOpen)}::order_status[])
   ORDER BY o.created_at, o.number`;

/** An account's order on terms after units of it shipped: what it is billed for them so far. */
export async function shippedOnTerms(
  tx: Executor,
  orderId: string,
  now: Date,
): Promise<ShippedOnTerms | undefined> {
  const result = await tx.execute<{
    account_id: string;
    number: string;
    payment_terms: string;
    currency: string;
    shipped: string;
  }>(sql`
    SELECT o.account_id, o.number, o.payment_terms, o.currency, v.shipped
      FROM orders o CROSS JOIN LATERAL (${creditValue(sql`o`)}) v
     WHERE o.id = ${orderId} AND o.account_id IS NOT NULL AND o.payment_terms <> 'prepaid'`);
  const row = result.rows[0];
  return row
    ? {
        accountId: row.account_id,
        orderId,
        orderNumber: Number(row.number),
        terms: row.payment_terms,
        currency: row.currency,
        billedSoFar: Number(row.shipped),
        now,
      }
    : undefined;
}
