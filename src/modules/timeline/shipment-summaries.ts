import type { shipmentEvents } from '../fulfillment/index.js';
import { because, type Data, list, record, type Summarize, tail, text, units } from './summary-text.js';

/** The one-line sentences of the shipment.* events. Pure. */

const shipmentOf = (data: Data) => record(data.shipment);
const named = (data: Data) => `Shipment ${text(shipmentOf(data).number)}`;

/** ` by ups ground` (` for …` before it leaves), or nothing while no carrier service is chosen. */
function carrierPhrase(shipment: Data, preposition: 'by' | 'for' = 'by'): string {
  const carrier = text(shipment.carrier, '');
  return carrier === '' ? '' : ` ${preposition} ${carrier}${tail(' ', shipment.service)}`;
}

/** `: out_for_delivery at Newark, NJ (Loaded on truck)` from a carrier's tracking update. */
function trackingPhrase(data: Data): string {
  const tracking = record(data.tracking);
  return `${tail(' at ', tracking.location)}${tail(' (', tracking.description, ')')}`;
}

const holds = (data: Data) => units(list(shipmentOf(data).lines));

const updates: Record<string, Summarize> = {
  lines_cancelled: (data) =>
    because(`Cancelled units left ${named(data)}, which now holds ${holds(data)}`, data.reason),
  lines_given_back: (data) =>
    because(
      `${named(data)} gave units back to be routed elsewhere; it now holds ${holds(data)}`,
      data.reason,
    ),
  rated: (data) => {
    const chosen = carrierPhrase(shipmentOf(data), 'for');
    return `${named(data)} rated again${chosen === '' ? ': no carrier service' : chosen}${tail(' (', data.reason, ')')}`;
  },
};

export const shipmentSummaries = {
  'shipment.created': (data) => {
    const shipment = shipmentOf(data);
    return `${named(data)} created at ${text(shipment.location)}: ${units(list(shipment.lines))}, ship by ${text(shipment.ship_by)}`;
  },
  'shipment.picking': (data) => {
    const shipment = shipmentOf(data);
    return `${named(data)} on pick list ${text(data.pick_list_id ?? shipment.pick_list_id)}${tail(', tote ', shipment.tote)}`;
  },
  'shipment.packed': (data) => {
    const shipment = shipmentOf(data);
    const override = record(shipment.pack_override);
    return `${named(data)} packed${carrierPhrase(shipment, 'for')}${tail(' (override: ', override.reason, ')')}`;
  },
  'shipment.shipped': (data) => {
    const shipment = shipmentOf(data);
    return `${named(data)} shipped from ${text(shipment.location)}${carrierPhrase(shipment)}${tail(', tracking ', shipment.tracking_number)}`;
  },
  'shipment.in_transit': (data) => `${named(data)} in transit${trackingPhrase(data)}`,
  'shipment.tracking_updated': (data) =>
    `${named(data)} carrier update: ${text(record(data.tracking).status)}${trackingPhrase(data)}`,
  'shipment.delivered': (data) => `${named(data)} delivered${trackingPhrase(data)}`,
  'shipment.exception': (data) =>
    because(
      `${named(data)} carrier exception`,
      shipmentOf(data).exception ?? record(data.tracking).description,
    ),
  'shipment.updated': (data) =>
    updates[text(data.change, '')]?.(data) ?? `${named(data)} updated${tail(' (', data.change, ')')}`,
  'shipment.cancelled': (data) => because(`${named(data)} cancelled`, data.reason),
} satisfies Record<keyof typeof shipmentEvents, Summarize>;
