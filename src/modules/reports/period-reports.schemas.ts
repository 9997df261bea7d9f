import Type, { type Static } from 'typebox';
import { orderStatuses } from '../../db/schema/orders.js';
import { returnReasons } from '../../db/schema/return-reasons.js';
import { Num, reportSchema } from './reports.schemas.js';

/** Reports over a window of days: orders, fulfillment, returns. */

const filters = {
  from: '2026-11-01',
  to: '2026-11-30',
  time_zone: 'America/New_York',
  channel: null,
  location: null,
};
const generated_at = '2026-12-01T09:00:00.000Z';

export const orderTables = {
  by_day: Type.Object(
    {
      day: Num.day,
      channel: Type.String(),
      status: Type.Enum(orderStatuses, { description: 'The orders’ status now' }),
      currency: Num.currency,
      orders: Num.count('Orders placed that day'),
      revenue: Num.money('Their totals (goods − discounts + shipping + tax)'),
    },
    { description: 'Orders placed per day × channel × current status × currency' },
  ),
  cancellations: Type.Object(
    {
      reason: Type.Union([Type.String(), Type.Null()], {
        description: 'The cancel reason given; null: none',
      }),
      currency: Num.currency,
      orders: Num.count('Orders placed in the window and cancelled, with this reason'),
      revenue: Num.money('Their totals'),
    },
    { description: 'Cancelled orders (placed in the window) by reason × currency, most first' },
  ),
  totals: Type.Object(
    {
      currency: Num.currency,
      orders: Num.count('Orders placed in the window'),
      revenue: Num.money('Totals of those not cancelled'),
      cancelled_orders: Num.count('Of them, cancelled'),
      cancelled_revenue: Num.money('Totals of the cancelled ones'),
    },
    { description: 'The window’s totals per currency' },
  ),
};

export const OrdersReportSchema = reportSchema('orders', orderTables, {
  description: 'Orders and revenue per day × channel × status, and cancellations by reason',
  example: {
    report: 'orders',
    generated_at,
    filters,
    by_day: [
      {
        day: '2026-11-27',
        channel: 'web',
        status: 'delivered',
        currency: 'USD',
        orders: 412,
        revenue: 1853000,
      },
      { day: '2026-11-27', channel: 'web', status: 'cancelled', currency: 'USD', orders: 9, revenue: 40400 },
    ],
    cancellations: [{ reason: 'customer changed their mind', currency: 'USD', orders: 9, revenue: 40400 }],
    totals: [
      { currency: 'USD', orders: 421, revenue: 1853000, cancelled_orders: 9, cancelled_revenue: 40400 },
    ],
  },
});
export type OrdersReport = Static<typeof OrdersReportSchema>;

export const fulfillmentTables = {
  summary: Type.Object(
    {
      shipments_shipped: Num.count('Shipments that left a location in the window'),
      ship_cycle_p50_hours: Num.hours('Their median time from the order’s capture to shipping'),
      ship_cycle_p90_hours: Num.hours('Its 90th percentile'),
      shipped_on_time: Num.count('Of them, shipped by their `ship_by` day (in the location’s time zone)'),
      on_time_ship_rate: Num.rate('shipped_on_time / shipments_shipped'),
      shipments_delivered: Num.count('Shipments delivered in the window'),
      delivery_p50_hours: Num.hours('Their median time from shipping to delivery'),
      delivery_p90_hours: Num.hours('Its 90th percentile'),
      delivered_with_promise: Num.count('Of them, with a promised delivery date'),
      delivered_on_time: Num.count('Of those, delivered by the end of the promised day (UTC)'),
      on_time_delivery_rate: Num.rate('delivered_on_time / delivered_with_promise'),
      orders_shipped: Num.count('Orders placed in the window that have shipped at least one shipment'),
      split_orders: Num.count('Of them, with more than one (not cancelled) shipment'),
      split_shipment_rate: Num.rate('split_orders / orders_shipped'),
      lines: Num.count('The lines of those orders'),
      lines_filled: Num.count('Of them, shipped in full (every unit ordered shipped)'),
      line_fill_rate: Num.rate('lines_filled / lines'),
    },
    { description: 'One row: the window’s fulfilment figures' },
  ),
};

export const FulfillmentReportSchema = reportSchema('fulfillment', fulfillmentTables, {
  description: 'Cycle times (p50, p90), on-time ship and delivery rates, split shipments and line fill',
  example: {
    report: 'fulfillment',
    generated_at,
    filters,
    summary: [
      {
        shipments_shipped: 11840,
        ship_cycle_p50_hours: 9.5,
        ship_cycle_p90_hours: 41.25,
        shipped_on_time: 11302,
        on_time_ship_rate: 0.9546,
        shipments_delivered: 11610,
        delivery_p50_hours: 74.1,
        delivery_p90_hours: 122.8,
        delivered_with_promise: 11610,
        delivered_on_time: 11007,
        on_time_delivery_rate: 0.9481,
        orders_shipped: 11020,
        split_orders: 402,
        split_shipment_rate: 0.0365,
        lines: 21305,
        lines_filled: 20911,
        line_fill_rate: 0.9815,
      },
    ],
  },
});
export type FulfillmentReport = Static<typeof FulfillmentReportSchema>;

export const returnTables = {
  by_reason: Type.Object(
    {
      reason: Type.Enum(returnReasons),
      units_returned: Num.count('Units with this reason received back in the window'),
      units_shipped: Num.count('All units shipped in the window'),
      return_rate: Num.rate('units_returned / units_shipped'),
    },
    { description: 'Return rate by reason (every reason listed)' },
  ),
  by_sku: Type.Object(
    {
      sku: Type.String(),
      units_shipped: Num.count('Units of the SKU shipped in the window'),
      units_returned: Num.count('Units of the SKU received back in the window'),
      return_rate: Num.rate('units_returned / units_shipped'),
    },
    { description: 'Return rate by SKU: every SKU shipped or returned in the window, most returned first' },
  ),
  refunds: Type.Object(
    {
      currency: Num.currency,
      requested_refunds: Num.count('Refunds requested in the window (whatever their status now)'),
      requested_amount: Num.money('Their amounts'),
      completed_refunds: Num.count('Refunds the payment system confirmed in the window'),
      completed_amount: Num.money('Their amounts'),
    },
    { description: 'Refund totals per currency' },
  ),
};

export const ReturnsReportSchema = reportSchema('returns', returnTables, {
  description: 'Return rate (units returned / units shipped) by reason and by SKU, and refund totals',
  example: {
    report: 'returns',
    generated_at,
    filters,
    by_reason: [{ reason: 'size_or_fit', units_returned: 312, units_shipped: 24410, return_rate: 0.0128 }],
    by_sku: [{ sku: 'TSHIRT-BLK-M', units_shipped: 1210, units_returned: 41, return_rate: 0.0339 }],
    refunds: [
      {
        currency: 'USD',
        requested_refunds: 388,
        requested_amount: 1163200,
        completed_refunds: 371,
        completed_amount: 1101950,
      },
    ],
  },
});
export type ReturnsReport = Static<typeof ReturnsReportSchema>;
