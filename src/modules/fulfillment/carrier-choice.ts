import type { Executor } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { ServiceRate } from '../carriers/index.js';
import { productFactsBySku } from '../catalog/index.js';
import type { PackingRuleSet } from './packing.js';
import { planShipment, type ShipmentPlan } from './shipment-plan.js';
import type { ShipmentState } from './shipment-store.js';

/** What rate shopping at the pack station reads before its transaction opens. */
export interface RatingContext {
  services: ServiceRate[];
  rules: PackingRuleSet;
  now: Date;
}

/**
 * Why no carrier service can ship the parcel, and what to do about it: add a service for the level (or
 * a rate card that covers the parcel), then `retry`. The shipment is left as it was.
 */
export function noCarrierService(
  state: ShipmentState,
  services: readonly ServiceRate[],
  weightGrams: number,
  retry: string,
): AppError {
  const level = state.shipment.serviceLevel;
  const serving = services.filter((service) => service.serviceLevels.includes(level));
  const where = `from ${state.location.code} to ${[state.order.shipTo.postal_code, state.order.shipTo.country].filter(Boolean).join(' ')}`;
  const why =
    serving.length === 0
      ? `no active carrier service serves the ${level} service level. Add a carrier service for ${level} (POST /v1/carriers, or PATCH /v1/carriers/{code} with it in \`services\`)`
      : `none of the carrier services for ${level} (${serving.map((s) => `${s.carrier} ${s.service}`).join(', ')}) has a rate for a ${weightGrams} g parcel ${where}. Add a carrier service for ${level} whose rate card covers it (PATCH /v1/carriers/{code})`;
  return new AppError('conflict', `Shipment ${state.shipment.number} cannot be rated: ${why}, then ${retry}`);
}

/**
 * Rate shopping and the packing rules on the parcel as it is at the pack station (ready now, so no
 * processing days). A 409 naming the service level when no carrier service can ship it: a shipment is
 * never packed or re-rated without one.
 */
export async function planParcel(
  tx: Executor,
  context: RatingContext,
  state: ShipmentState,
  options: { weightGrams?: number; retry: string },
): Promise<ShipmentPlan & { carrier: string; service: string }> {
  const products = await productFactsBySku(
    tx,
    state.lines.map((line) => line.sku),
  );
  const plan = planShipment(context, {
    location: state.location,
    destination: state.order.destination,
    shipTo: state.order.shipTo,
    serviceLevel: state.shipment.serviceLevel,
    promisedDeliveryDate: state.shipment.promisedDeliveryDate,
    orderTags: state.order.tags,
    items: state.lines.map((line) => ({
      tags: products.get(line.sku)?.tags ?? [],
      weightGrams: products.get(line.sku)?.weightGrams ?? 0,
      quantity: line.quantity,
    })),
    processingDays: 0,
    ...(options.weightGrams === undefined ? {} : { weightGrams: options.weightGrams }),
  });
  const { carrier, service } = plan;
  if (carrier === null || service === null) {
    throw noCarrierService(state, context.services, plan.weightGrams, options.retry);
  }
  return { ...plan, carrier, service };
}
