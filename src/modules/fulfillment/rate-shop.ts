import type { RateOption } from '../../db/schema/fulfillment.js';
import type { ServiceRate } from '../carriers/index.js';
import { quote } from '../carriers/index.js';
import { shipAndDeliver } from '../promising/index.js';
import type { CarrierPreference } from './packing.js';

/**
 * Rate shopping at pack time: quote every service of the shipment's level, keep the promise at the
 * lowest price, let a carrier preference win when it costs little more, and explain every option so
 * the shipment can store what was considered. Pure: no database, no clock.
 */

export interface RateShopInput {
  services: readonly ServiceRate[];
  serviceLevel: string;
  /** Great-circle km from the location to the ship-to address; null when either is unknown. */
  distanceKm: number | null;
  weightGrams: number;
  location: { code: string; timeZone: string; cutoff: string; processingDays: number };
  now: Date;
  promisedDeliveryDate: string | null;
  /** The preferences whose conditions hold for this shipment, in rule order. */
  preferences: readonly CarrierPreference[];
}

export interface RateShopResult {
  chosen: RateOption | undefined;
  /** The chosen option first, then the others by price. */
  options: RateOption[];
}

type Candidate = Omit<RateOption, 'chosen' | 'why'>;

/** Cheaper first; ties go to the earlier delivery, then carrier and service code, so results are stable. */
const byPrice = (a: Candidate, b: Candidate) =>
  a.price - b.price ||
  a.delivery_date.localeCompare(b.delivery_date) ||
  a.carrier.localeCompare(b.carrier) ||
  a.service.localeCompare(b.service);

const byDelivery = (a: Candidate, b: Candidate) =>
  a.delivery_date.localeCompare(b.delivery_date) || byPrice(a, b);

function candidates(input: RateShopInput): Candidate[] {
  const { location } = input;
  const distance = input.distanceKm ?? 0;
  const found: Candidate[] = [];
  for (const service of input.services) {
    if (!service.serviceLevels.includes(input.serviceLevel)) {
      continue;
    }
    const rate = quote(service.rateCard, distance, input.weightGrams);
    if (!rate) {
      continue;
    }
    const { delivery_date } = shipAndDeliver({
      now: input.now,
      timeZone: location.timeZone,
      cutoff: service.pickupCutoffs[location.code] ?? location.cutoff,
      processingDays: location.processingDays,
      transitDays: rate.transitDays,
    });
    found.push({
      carrier: service.carrier,
      service: service.service,
      price: rate.price,
      transit_days: rate.transitDays,
      delivery_date,
      meets_promise: input.promisedDeliveryDate === null || delivery_date <= input.promisedDeliveryDate,
    });
  }
  return found;
}

/** The option a preference picks: its carrier (and service), keeping the promise, within the tolerance. */
function preferred(
  meeting: Candidate[],
  cheapest: Candidate,
  preferences: readonly CarrierPreference[],
): { option: Candidate; preference: CarrierPreference } | undefined {
  for (const preference of preferences) {
    const option = meeting.find(
      (c) =>
        c.carrier === preference.carrier &&
        (preference.service === undefined || c.service === preference.service) &&
        c.price <= cheapest.price + preference.tolerance,
    );
    if (option) {
      return { option, preference };
    }
  }
  return undefined;
}

/** Why an option lost to the chosen one. */
function whyNot(option: Candidate, chosen: Candidate, promised: string | null, reason: string): string {
  if (!option.meets_promise && promised !== null) {
    return `arrives ${option.delivery_date}, after the promised ${promised}`;
  }
  const difference = option.price - chosen.price;
  if (difference > 0) {
    return `costs ${difference} more than the chosen`;
  }
  if (difference < 0) {
    return `costs ${-difference} less than the chosen, which is ${reason}`;
  }
  return option.delivery_date > chosen.delivery_date
    ? `costs the same as the chosen but arrives later (${option.delivery_date})`
    : 'costs the same and arrives the same day as the chosen, which comes first by carrier and service code';
}

/**
 * Chooses the carrier service for a shipment. Services of the level whose rate card quotes the
 * distance and weight are options (an unknown distance is quoted as 0 km, and every `why` says so).
 * The cheapest option that meets the promised date wins (no promise: every option meets it), unless
 * the first preference with an option that meets it and costs at most `tolerance` more applies; when
 * nothing meets the promise, the earliest delivery wins. No options: nothing is chosen.
 */
export function rateShop(input: RateShopInput): RateShopResult {
  const all = candidates(input).sort(byPrice);
  const meeting = all.filter((c) => c.meets_promise);
  const promised = input.promisedDeliveryDate;
  let chosen: Candidate | undefined;
  let reason = '';
  const [cheapest] = meeting;
  if (cheapest) {
    const preference = preferred(meeting, cheapest, input.preferences);
    if (preference && preference.option !== cheapest) {
      chosen = preference.option;
      reason = `preferred for ${preference.preference.name}: within ${preference.preference.tolerance} of the cheapest (${chosen.price - cheapest.price} more)`;
    } else {
      chosen = cheapest;
      reason = promised === null ? 'cheapest (no promised delivery date)' : `cheapest that meets ${promised}`;
    }
  } else {
    chosen = [...all].sort(byDelivery)[0];
    if (chosen) {
      reason = `earliest delivery, ${chosen.delivery_date}: no option meets the promised ${promised}`;
    }
  }
  const note = input.distanceKm === null ? '; distance unknown, quoted as 0 km' : '';
  const options = all.map(
    (option): RateOption => ({
      ...option,
      chosen: option === chosen,
      why: `${option === chosen || !chosen ? reason : whyNot(option, chosen, promised, reason)}${note}`,
    }),
  );
  const first = options.findIndex((option) => option.chosen);
  if (first > 0) {
    options.unshift(...options.splice(first, 1));
  }
  return { chosen: options.find((option) => option.chosen), options };
}
