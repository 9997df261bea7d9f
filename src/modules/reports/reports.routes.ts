import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type TObject } from 'typebox';
import { AppError } from '../../errors.js';
import { callerOf } from '../../http/auth.js';
import {
  FulfillmentReportSchema,
  fulfillmentTables,
  OrdersReportSchema,
  orderTables,
  ReturnsReportSchema,
  returnTables,
} from './period-reports.schemas.js';
import { csvContentType, negotiateFormat, toCsv } from './report-format.js';
import {
  type ReportName,
  type ReportQuery,
  reportNames,
  reportQuery,
  tableColumns,
} from './reports.schemas.js';
import type { ReportService } from './reports.service.js';
import {
  BacklogReportSchema,
  backlogTables,
  HoldsReportSchema,
  holdTables,
  InventoryReportSchema,
  inventoryTables,
} from './snapshot-reports.schemas.js';

const tags = ['Reports'];
const read = { scope: 'orders:read' as const };

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

const window =
  'The window is `from`..`to`, whole days in `time_zone` (default: the last 30 days); a `from` after `to`, more than 400 days or an unknown time zone is a 422 naming the field.';
const snapshot =
  'It describes the present moment (`generated_at`): the window is checked like every report’s but does not narrow it.';
const negotiation =
  'JSON by default; CSV (RFC 4180, header row, CRLF) when `Accept` prefers `text/csv`, one table per answer: `table` picks it. A channel-bound key sees only its channel; an unknown channel or location, or another channel than the key’s, is a 404.';

/** A report's route: its schema, tables and example CSV, under /reports/<name>. */
function reportRoute(
  name: ReportName,
  schema: TObject,
  tables: Record<string, TObject>,
  text: { summary: string; description: string; csv: string },
) {
  const names = Object.keys(tables) as [string, ...string[]];
  return {
    config: read,
    schema: {
      operationId: `get${name[0]?.toUpperCase()}${name.slice(1)}Report`,
      tags,
      summary: text.summary,
      description: `${text.description} ${negotiation}`,
      querystring: reportQuery(names),
      response: {
        200: {
          description: `The ${name} report`,
          content: {
            'application/json': { schema },
            'text/csv': {
              schema: Type.String({
                description: `One table of the report (\`table\`, default \`${names[0]}\`)`,
                examples: [text.csv],
              }),
            },
          },
        },
        404: problem('The channel or location does not exist, or the key is bound to another channel'),
      },
    },
  };
}

const routes = {
  orders: reportRoute('orders', OrdersReportSchema, orderTables, {
    summary: 'Orders and revenue per day × channel × status; cancellations by reason',
    description: `Orders placed in the window (\`placed_at\`), by their status now; revenue is the orders’ \`total\`, summed per currency, never across. With \`location\`: orders with a shipment (not cancelled) or units reserved there. ${window}`,
    csv: 'day,channel,status,currency,orders,revenue\r\n2026-11-27,web,delivered,USD,412,1853000\r\n',
  }),
  fulfillment: reportRoute('fulfillment', FulfillmentReportSchema, fulfillmentTables, {
    summary: 'Cycle times, on-time ship and delivery rates, split shipments, line fill rate',
    description: `Shipments shipped in the window: capture → shipped p50/p90 and shipped by \`ship_by\` (the location’s day). Shipments delivered in the window: shipped → delivered p50/p90 and delivered by the promised date. Orders placed in the window that shipped something: split-shipment rate and line fill rate. With \`location\`: shipments from there, orders with a shipment from there. ${window}`,
    csv: 'shipments_shipped,ship_cycle_p50_hours,ship_cycle_p90_hours,shipped_on_time,on_time_ship_rate,…\r\n11840,9.5,41.25,11302,0.9546,…\r\n',
  }),
  backlog: reportRoute('backlog', BacklogReportSchema, backlogTables, {
    summary: 'Open orders per location by age bucket, expedited service levels apart',
    description: `Orders not yet shipped in full nor cancelled, by age since \`placed_at\` (< 1 day, 1-3, 3-7, ≥ 7 days) and service level, at each location with work left for them (shipments not yet shipped, units reserved). ${snapshot} ${window}`,
    csv: 'location,service_level,expedited,under_1_day,days_1_to_3,days_3_to_7,over_7_days,total\r\nNJ-DC,standard,false,310,42,3,1,356\r\n',
  }),
  inventory: reportRoute('inventory', InventoryReportSchema, inventoryTables, {
    summary: 'Stock-outs, SKU-locations under their reorder point, last feed per location',
    description: `Active products at active locations. With \`channel\`: locations that serve it, stock-outs for it. ${snapshot} ${window}`,
    csv: 'location,sku_locations,stock_outs,below_reorder_point,last_feed_at,hours_since_feed\r\nNJ-DC,1240,31,12,2026-12-01T06:00:00.000Z,3\r\n',
  }),
  returns: reportRoute('returns', ReturnsReportSchema, returnTables, {
    summary: 'Return rate by reason and by SKU; refund totals',
    description: `Units received back in the window (return receipts) over units shipped in the window, by reason and by SKU; refunds requested and confirmed in the window per currency. With \`location\`: units shipped from and received at it, refunds of returns received there. ${window}`,
    csv: 'reason,units_returned,units_shipped,return_rate\r\nsize_or_fit,312,24410,0.0128\r\n',
  }),
  holds: reportRoute('holds', HoldsReportSchema, holdTables, {
    summary: 'Open holds per queue: age p50 / max and how many are past the queue’s SLA',
    description: `Every known queue with the SLA used (hours; defaults: payments, fraud_review, routing_review 4, address_review 8, inventory, customer_service 24, returns 48, other queues 24). With \`location\`: holds on orders with work there. ${snapshot} ${window}`,
    csv: 'queue,sla_hours,open_holds,past_sla,age_p50_hours,age_max_hours\r\npayments,4,18,3,1.75,26.5\r\n',
  }),
} satisfies Record<ReportName, unknown>;

const columns: Record<ReportName, Record<string, string[]>> = {
  orders: tableColumns(orderTables),
  fulfillment: tableColumns(fulfillmentTables),
  backlog: tableColumns(backlogTables),
  inventory: tableColumns(inventoryTables),
  returns: tableColumns(returnTables),
  holds: tableColumns(holdTables),
};

/** The report as JSON, or one of its tables as CSV, as the client's `Accept` prefers. */
function answer(
  request: { query: ReportQuery; headers: FastifyRequest['headers'] },
  reply: FastifyReply,
  report: { report: ReportName; filters: { from: string; to: string } } & Record<string, unknown>,
) {
  reply.header('vary', 'accept');
  if (negotiateFormat(request.headers.accept) === 'json') {
    return reply.type('application/json; charset=utf-8').send(report);
  }
  const tables = columns[report.report];
  const table = request.query.table ?? Object.keys(tables)[0] ?? '';
  const rows = (report[table] ?? []) as Array<Record<string, unknown>>;
  const file = `${report.report}-${table}-${report.filters.from}-${report.filters.to}.csv`;
  return reply
    .type(csvContentType)
    .header('content-disposition', `attachment; filename="${file}"`)
    .send(toCsv(tables[table] ?? [], rows));
}

export const reportRoutes: FastifyPluginAsyncTypebox<{ reports: ReportService }> = async (
  app,
  { reports },
) => {
  for (const name of reportNames) {
    app.get(`/reports/${name}`, routes[name], async (request, reply) =>
      answer(request, reply, await reports[name](request.query, callerOf(request))),
    );
  }
  // Any other name: a 404 that lists the reports there are.
  app.get(
    '/reports/:name',
    { config: read, schema: { hide: true, params: Type.Object({ name: Type.String() }) } },
    async (request) => {
      throw new AppError(
        'not_found',
        `Report ${request.params.name} was not found; the reports are ${reportNames.join(', ')}`,
      );
    },
  );
};
