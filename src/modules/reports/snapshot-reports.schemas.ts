import Type, { type Static } from 'typebox';
import { serviceLevels } from '../../db/schema/orders.js';
import { Num, reportSchema } from './reports.schemas.js';

/** Reports of the present moment (`generated_at`): backlog, inventory, holds. */

const filters = { from: '2026-11-02', to: '2026-12-01', time_zone: 'UTC', channel: null, location: null };
const generated_at = '2026-12-01T09:00:00.000Z';

const buckets = {
  under_1_day: Num.count('Placed less than 24 hours ago'),
  days_1_to_3: Num.count('Placed 1 to 3 days ago (24 h included, 72 h not)'),
  days_3_to_7: Num.count('Placed 3 to 7 days ago'),
  over_7_days: Num.count('Placed 7 days ago or more'),
  total: Num.count('All of them'),
};

const level = {
  service_level: Type.Enum(serviceLevels),
  expedited: Type.Boolean({ description: 'true for express and same_day, the expedited service levels' }),
};

export const backlogTables = {
  by_location: Type.Object(
    {
      location: Type.Union([Type.String(), Type.Null()], {
        description:
          'Where the open work is; null: no location yet (on hold or backordered without stock held)',
      }),
      ...level,
      ...buckets,
    },
    {
      description:
        'Open orders per location × service level by age; an order split across locations counts at each',
    },
  ),
  totals: Type.Object(
    { ...level, ...buckets },
    { description: 'Open orders per service level by age, each order once' },
  ),
};

export const BacklogReportSchema = reportSchema('backlog', backlogTables, {
  description: 'Open orders per location by age bucket, expedited service levels apart',
  example: {
    report: 'backlog',
    generated_at,
    filters,
    by_location: [
      {
        location: 'NJ-DC',
        service_level: 'standard',
        expedited: false,
        under_1_day: 310,
        days_1_to_3: 42,
        days_3_to_7: 3,
        over_7_days: 1,
        total: 356,
      },
    ],
    totals: [
      {
        service_level: 'standard',
        expedited: false,
        under_1_day: 310,
        days_1_to_3: 42,
        days_3_to_7: 3,
        over_7_days: 1,
        total: 356,
      },
    ],
  },
});
export type BacklogReport = Static<typeof BacklogReportSchema>;

export const inventoryTables = {
  by_location: Type.Object(
    {
      location: Type.String(),
      sku_locations: Num.count('Stock levels (SKUs) the location has'),
      stock_outs: Num.count('Of them, with nothing available to at least one channel the location serves'),
      below_reorder_point: Num.count('Of them, with fewer units on hand than their reorder point'),
      last_feed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'When the location last sent a stock feed (adjustment or count); null: never',
      }),
      hours_since_feed: Num.hours('How long ago that was'),
    },
    { description: 'Each active location: its stock-outs, levels under reorder point and last feed' },
  ),
  stock_outs: Type.Object(
    {
      sku: Type.String(),
      location: Type.String(),
      channel: Type.String(),
      on_hand: Type.Integer(),
      reserved: Type.Integer(),
      unsellable: Type.Integer({ description: 'Units on hand that are `damaged` or in `quality_control`' }),
      safety_stock: Type.Integer({ description: 'The safety stock that applies for this channel' }),
    },
    {
      description:
        'SKU-locations with nothing available to a channel (on_hand − reserved − safety stock ≤ 0)',
    },
  ),
  below_reorder_point: Type.Object(
    {
      sku: Type.String(),
      location: Type.String(),
      on_hand: Type.Integer(),
      reorder_point: Type.Integer(),
      shortfall: Type.Integer({ description: 'reorder_point − on_hand' }),
    },
    {
      description: 'SKU-locations with fewer units on hand than their reorder point, largest shortfall first',
    },
  ),
};

export const InventoryReportSchema = reportSchema('inventory', inventoryTables, {
  description: 'Stock-outs, SKU-locations under their reorder point, and each location’s last feed',
  example: {
    report: 'inventory',
    generated_at,
    filters,
    by_location: [
      {
        location: 'NJ-DC',
        sku_locations: 1240,
        stock_outs: 31,
        below_reorder_point: 12,
        last_feed_at: '2026-12-01T06:00:00.000Z',
        hours_since_feed: 3,
      },
    ],
    stock_outs: [
      {
        sku: 'TSHIRT-BLK-M',
        location: 'NJ-DC',
        channel: 'web',
        on_hand: 2,
        reserved: 0,
        unsellable: 0,
        safety_stock: 2,
      },
    ],
    below_reorder_point: [
      { sku: 'TSHIRT-BLK-M', location: 'NJ-DC', on_hand: 2, reorder_point: 20, shortfall: 18 },
    ],
  },
});
export type InventoryReport = Static<typeof InventoryReportSchema>;

export const holdTables = {
  by_queue: Type.Object(
    {
      queue: Type.String(),
      sla_hours: Type.Number({ description: 'The queue’s SLA used: open longer than this is past it' }),
      open_holds: Num.count('Holds open now'),
      past_sla: Num.count('Of them, open longer than the SLA'),
      age_p50_hours: Num.hours('Their median age'),
      age_max_hours: Num.hours('The oldest one’s age'),
    },
    { description: 'Every queue (the known ones even when empty) with its open holds' },
  ),
};

export const HoldsReportSchema = reportSchema('holds', holdTables, {
  description: 'Open holds per queue with age p50 / max, and how many are past the queue’s SLA',
  example: {
    report: 'holds',
    generated_at,
    filters,
    by_queue: [
      {
        queue: 'payments',
        sla_hours: 4,
        open_holds: 18,
        past_sla: 3,
        age_p50_hours: 1.75,
        age_max_hours: 26.5,
      },
    ],
  },
});
export type HoldsReport = Static<typeof HoldsReportSchema>;
