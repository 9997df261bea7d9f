import type { Packing, RateOption } from '../../db/schema/fulfillment.js';
import type { Address } from '../addresses/index.js';
import type { ServiceRate } from '../carriers/index.js';
import { distanceKm } from '../geo/index.js';
import { localDate, shipDate } from '../promising/index.js';
import { climateBand, type PackingRuleSet, packingFor, type ShipmentFacts } from './packing.js';
import { rateShop } from './rate-shop.js';
import type { ShipFromLocation } from './shipment-store.js';

export interface ShipmentItem {
  tags: string[];
  weightGrams: number;
  quantity: number;
}

export interface ShipmentPlanInput {
  location: ShipFromLocation;
  destination: { latitude: number; longitude: number } | null;
  shipTo: Address;
  serviceLevel: string;
  promisedDeliveryDate: string | null;
  orderTags: string[];
  items: ShipmentItem[];
  /** The location's processing days at release; 0 at pack time, when the parcel is ready. */
  processingDays: number;
  /** The weighed parcel, when known; else the sum of the product weights. */
  weightGrams?: number;
}

export interface ShipmentPlan {
  shipBy: string;
  carrier: string | null;
  service: string | null;
  cost: number | null;
  rateOptions: RateOption[];
  packing: Packing;
  weightGrams: number;
}

/**
 * Plans a shipment: the day it must leave, the carrier service rate shopping chooses (the cheapest
 * that keeps the promise, or a preferred one within its tolerance), and the packing the rules call for.
 * Preferences come from the packing rules, whose facts include the transit time: the cheapest
 * option's transit decides which preferences apply, the final choice's transit the packing.
 */
export function planShipment(
  context: { services: ServiceRate[]; rules: PackingRuleSet; now: Date },
  input: ShipmentPlanInput,
): ShipmentPlan {
  const { location } = input;
  const weightGrams =
    input.weightGrams ?? input.items.reduce((sum, item) => sum + item.weightGrams * item.quantity, 0);
  const shop = (preferences: ReturnType<typeof packingFor>['preferences']) =>
    rateShop({
      services: context.services,
      serviceLevel: input.serviceLevel,
      distanceKm:
        input.destination && location.latitude !== null && location.longitude !== null
          ? distanceKm(input.destination, { latitude: location.latitude, longitude: location.longitude })
          : null,
      weightGrams,
      location: {
        code: location.code,
        timeZone: location.timeZone,
        cutoff: location.cutoffTime,
        processingDays: input.processingDays,
      },
      now: context.now,
      promisedDeliveryDate: input.promisedDeliveryDate,
      preferences,
    });
  // No prototype: a tag named `__proto__` is just a tag.
  const unitsByTag: Record<string, number> = Object.create(null);
  for (const item of input.items) {
    for (const tag of item.tags) {
      unitsByTag[tag] = (unitsByTag[tag] ?? 0) + item.quantity;
    }
  }
  const today = localDate(context.now, location.timeZone);
  const facts = (transitDays: number): ShipmentFacts => ({
    tags: Object.keys(unitsByTag).sort(),
    units: input.items.reduce((sum, item) => sum + item.quantity, 0),
    line_count: input.items.length,
    weight_kg: weightGrams / 1000,
    transit_days: transitDays,
    climate_band: climateBand(input.destination?.latitude ?? null, today),
    destination_country: input.shipTo.country,
    service_level: input.serviceLevel,
    gift: input.orderTags.includes('gift'),
    units_by_tag: unitsByTag,
  });
  const cheapest = shop([]);
  const { preferences } = packingFor(context.rules, facts(cheapest.chosen?.transit_days ?? 0));
  const chosen = preferences.length > 0 ? shop(preferences) : cheapest;
  const { packing } = packingFor(context.rules, facts(chosen.chosen?.transit_days ?? 0));
  return {
    shipBy: shipDate({
      now: context.now,
      timeZone: location.timeZone,
      cutoff: location.cutoffTime,
      processingDays: input.processingDays,
    }),
    carrier: chosen.chosen?.carrier ?? null,
    service: chosen.chosen?.service ?? null,
    cost: chosen.chosen?.price ?? null,
    rateOptions: chosen.options,
    packing,
    weightGrams,
  };
}
