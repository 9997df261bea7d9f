import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { returnReasons } from '../../db/schema/return-reasons.js';
import type { ReturnsReport } from './period-reports.schemas.js';
import { inWindow, type ReportContext, shipmentFilters } from './report-context-store.js';
import { rate } from './report-numbers.js';

type Tables = Pick<ReturnsReport, 'by_reason' | 'by_sku' | 'refunds'>;

const channelOf = (ctx: ReportContext, orderId: ReturnType<typeof sql>) =>
  ctx.channel === null
    ? sql``
    : sql`AND ${orderId} IN (SELECT o.id FROM orders o WHERE o.channel_id = ${ctx.channel.id})`;

/**
 * Units that left in the window, per SKU: shipment lines carry their shipment's `shipped_at`, so
 * without filters this is one index of lines; a channel or location picks the shipments first.
 */
async function unitsShipped(tx: Executor, ctx: ReportContext): Promise<Map<string, number>> {
  const filtered = ctx.channel !== null || ctx.location !== null;
  const { rows } = await tx.execute<{ sku: string; units: string }>(sql`
    SELECT sl.sku, sum(sl.quantity)::text AS units
      FROM shipment_lines sl
     WHERE ${inWindow(ctx, sql`sl.shipped_at`)}
           ${
             filtered
               ? sql`AND sl.shipment_id IN (SELECT s.id FROM shipments s
                                             WHERE ${inWindow(ctx, sql`s.shipped_at`)} ${shipmentFilters(ctx)})`
               : sql``
           }
     GROUP BY sl.sku`);
  return new Map(rows.map((row) => [row.sku, Number(row.units)]));
}

/** Units received back in the window (receipts' `received_at`; with a location, there), per SKU × reason. */
async function unitsReturned(tx: Executor, ctx: ReportContext) {
  const { rows } = await tx.execute<{ sku: string; reason: string; units: string }>(sql`
    SELECT rl.sku, rl.reason::text AS reason, sum(rr.quantity)::text AS units
      FROM return_receipts rr
      JOIN return_lines rl ON rl.id = rr.return_line_id
      JOIN returns r ON r.id = rl.return_id
     WHERE ${inWindow(ctx, sql`rr.received_at`)} ${channelOf(ctx, sql`r.order_id`)}
           ${ctx.location === null ? sql`` : sql`AND rr.location_id = ${ctx.location.id}`}
     GROUP BY 1, 2`);
  return rows.map((row) => ({ ...row, units: Number(row.units) }));
}

/**
 * Refunds requested (`created_at`) and confirmed (`confirmed_at`) in the window, per currency; with a
 * location, those of returns received there.
 */
async function refunds(tx: Executor, ctx: ReportContext): Promise<Tables['refunds']> {
  const requested = inWindow(ctx, sql`f.created_at`);
  const completed = sql`f.status = 'completed' AND ${inWindow(ctx, sql`f.confirmed_at`)}`;
  const { rows } = await tx.execute<{
    currency: string;
    requested_refunds: number;
    requested_amount: string;
    completed_refunds: number;
    completed_amount: string;
  }>(sql`
    SELECT f.currency,
           count(*) FILTER (WHERE ${requested})::int AS requested_refunds,
           coalesce(sum(f.amount) FILTER (WHERE ${requested}), 0)::text AS requested_amount,
           count(*) FILTER (WHERE ${completed})::int AS completed_refunds,
           coalesce(sum(f.amount) FILTER (WHERE ${completed}), 0)::text AS completed_amount
      FROM refunds f
     WHERE ((${requested}) OR (${completed})) ${channelOf(ctx, sql`f.order_id`)}
           ${
             ctx.location === null
               ? sql``
               : sql`AND f.return_id IN (SELECT rl.return_id FROM return_lines rl JOIN return_receipts rr ON rr.return_line_id = rl.id
                                          WHERE rr.location_id = ${ctx.location.id})`
           }
     GROUP BY f.currency
     ORDER BY f.currency`);
  return rows.map((row) => ({
    ...row,
    requested_amount: Number(row.requested_amount),
    completed_amount: Number(row.completed_amount),
  }));
}

/** Return rates (units received back / units shipped, both in the window) by reason and by SKU; refunds. */
export async function returnsReport(tx: Executor, ctx: ReportContext): Promise<Tables> {
  const shipped = await unitsShipped(tx, ctx);
  const returned = await unitsReturned(tx, ctx);
  const totalShipped = [...shipped.values()].reduce((sum, units) => sum + units, 0);
  const reasonUnits = new Map<string, number>();
  const skuUnits = new Map<string, number>();
  for (const row of returned) {
    reasonUnits.set(row.reason, (reasonUnits.get(row.reason) ?? 0) + row.units);
    skuUnits.set(row.sku, (skuUnits.get(row.sku) ?? 0) + row.units);
  }
  const skus = [...new Set([...shipped.keys(), ...skuUnits.keys()])];
  const bySku = skus.map((sku) => {
    const units_shipped = shipped.get(sku) ?? 0;
    const units_returned = skuUnits.get(sku) ?? 0;
    return { sku, units_shipped, units_returned, return_rate: rate(units_returned, units_shipped) };
  });
  bySku.sort((a, b) => b.units_returned - a.units_returned || a.sku.localeCompare(b.sku));
  return {
    by_reason: returnReasons.map((reason) => {
      const units_returned = reasonUnits.get(reason) ?? 0;
      return {
        reason,
        units_returned,
        units_shipped: totalShipped,
        return_rate: rate(units_returned, totalShipped),
      };
    }),
    by_sku: bySku,
    refunds: await refunds(tx, ctx),
  };
}
