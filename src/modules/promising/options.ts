/**
 * Delivery options for a basket: which locations could ship it (each alone, or one split filled
 * from the nearest locations first) and, for each carrier service of the wanted level whose rate card
 * covers every parcel, when it ships, when it arrives and what it costs. Pure: no database, no clock.
 */
import { quote, type ServiceRate } from '../carriers/index.js';
import type { KitMakeup } from '../catalog/index.js';
import { addBusinessDays, shipDate } from './calendar.js';

/** A location that may ship, as far as the calendar and the rate cards need to know it. */
export interface ShipFrom {
  code: string;
  timeZone: string;
  /** Local HH:MM after which an order ships a business day later. */
  cutoffTime: string;
  processingDays: number;
  /** Great-circle km to the destination. */
  distanceKm: number;
}

export interface Line {
  sku: string;
  quantity: number;
}

/** One parcel of a plan: what leaves one location. */
export interface Shipment {
  from: ShipFrom;
  lines: Line[];
  weightGrams: number;
}

export interface PromiseOption {
  locations: Array<{ location: string; lines: Line[] }>;
  carrier: string;
  service: string;
  ship_date: string;
  delivery_date: string;
  /** Minor units, summed over the shipments. */
  cost: number;
  transit_days: number;
}

/**
 * What a basket needs of one SKU: units of a product, or whole kits whose components ship from one
 * location (`parts`: each component's units in one kit).
 */
export interface Need {
  sku: string;
  quantity: number;
  parts?: Line[];
}

/** Lines by SKU in the order SKUs first appear, repeated SKUs counted together. */
function merged(lines: Line[]): Line[] {
  const bySku = new Map<string, number>();
  for (const line of lines) {
    bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  }
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

/** The units of stock a need takes: a kit's components, else its own SKU. */
export const unitsOf = (need: Need): Line[] =>
  need.parts?.map((part) => ({ sku: part.sku, quantity: part.quantity * need.quantity })) ?? [
    { sku: need.sku, quantity: need.quantity },
  ];

/**
 * The basket's needs per SKU, in the order SKUs first appear: lines repeating a SKU count together; a
 * kit that may split becomes its components, one that may not stays whole kits.
 */
export function demandOf(
  lines: Line[],
  kitOf: (sku: string) => KitMakeup | undefined = () => undefined,
): Need[] {
  const needs = new Map<string, Need>();
  const add = (sku: string, quantity: number, parts?: Line[]) => {
    const need = needs.get(sku);
    if (need) {
      need.quantity += quantity;
    } else {
      needs.set(sku, { sku, quantity, ...(parts ? { parts } : {}) });
    }
  };
  for (const line of lines) {
    const kit = kitOf(line.sku);
    if (!kit) {
      add(line.sku, line.quantity);
    } else if (kit.split) {
      for (const part of kit.parts) {
        add(part.sku, line.quantity * part.quantity);
      }
    } else {
      add(
        line.sku,
        line.quantity,
        kit.parts.map((part) => ({ sku: part.sku, quantity: part.quantity })),
      );
    }
  }
  return [...needs.values()];
}

/**
 * The plans worth quoting: every location that can ship the whole demand alone, nearest first; when
 * none can, one split that takes each need from the nearest locations that have it (whole kits at one
 * location). No plan when even all locations together fall short. `stock` is what may be sold per
 * location code, then SKU.
 */
export function plansFor({
  demand,
  locations,
  stock,
  weights,
}: {
  demand: Need[];
  locations: ShipFrom[];
  stock: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Grams per unit; SKUs without a weight weigh nothing. */
  weights: Map<string, number>;
}): Shipment[][] {
  const nearest = [...locations].sort((a, b) => a.distanceKm - b.distanceKm || a.code.localeCompare(b.code));
  const shipment = (from: ShipFrom, lines: Line[]): Shipment => ({
    from,
    lines,
    weightGrams: lines.reduce((sum, line) => sum + (weights.get(line.sku) ?? 0) * line.quantity, 0),
  });
  const units = merged(demand.flatMap(unitsOf));
  const singles = nearest.filter((from) =>
    units.every((line) => (stock.get(from.code)?.get(line.sku) ?? 0) >= line.quantity),
  );
  if (singles.length > 0) {
    return singles.map((from) => [shipment(from, units)]);
  }
  const left = new Map(demand.map((need) => [need.sku, need.quantity]));
  const split: Shipment[] = [];
  for (const from of nearest) {
    const free = new Map(stock.get(from.code) ?? []);
    const taken: Line[] = [];
    for (const need of demand) {
      const per = need.parts ?? [{ sku: need.sku, quantity: 1 }];
      const count = Math.min(
        left.get(need.sku) ?? 0,
        ...per.map((part) => Math.floor((free.get(part.sku) ?? 0) / part.quantity)),
      );
      if (count > 0) {
        left.set(need.sku, (left.get(need.sku) ?? 0) - count);
        for (const part of per) {
          free.set(part.sku, (free.get(part.sku) ?? 0) - count * part.quantity);
          taken.push({ sku: part.sku, quantity: count * part.quantity });
        }
      }
    }
    if (taken.length > 0) {
      split.push(shipment(from, merged(taken)));
    }
  }
  return [...left.values()].every((quantity) => quantity === 0) ? [split] : [];
}

/** Ship dates by location and cut-off, worked out once per request however many services share them. */
function shipDates(now: Date) {
  const known = new Map<string, string>();
  return (from: ShipFrom, cutoff: string) => {
    const key = `${from.code} ${cutoff}`;
    let date = known.get(key);
    if (date === undefined) {
      date = shipDate({ now, timeZone: from.timeZone, cutoff, processingDays: from.processingDays });
      known.set(key, date);
    }
    return date;
  };
}

/** The later of two YYYY-MM-DD dates (they sort as strings). */
const laterDate = (a: string, b: string) => (a.localeCompare(b) > 0 ? a : b);

/** A service's pickup cut-off at a location when it has one, else the location's own cut-off. */
const cutoffAt = (service: ServiceRate, from: ShipFrom) =>
  service.pickupCutoffs[from.code] ?? from.cutoffTime;

/**
 * Every (plan, service) pair that can deliver: the service offers the level and its rate card quotes
 * every shipment of the plan. A plan's dates are those of its slowest shipment and its cost the sum.
 * Sorted by delivery date, then cost; ties keep nearer plans and the services' own order first.
 */
export function promiseOptions({
  now,
  plans,
  services,
  serviceLevel,
}: {
  now: Date;
  plans: Shipment[][];
  services: readonly ServiceRate[];
  serviceLevel: string;
}): PromiseOption[] {
  const offered = services.filter((service) => service.serviceLevels.includes(serviceLevel));
  const shipDateOf = shipDates(now);
  const optionFor = (plan: Shipment[], service: ServiceRate): PromiseOption | undefined => {
    const option: PromiseOption = {
      locations: plan.map((shipment) => ({ location: shipment.from.code, lines: shipment.lines })),
      carrier: service.carrier,
      service: service.service,
      ship_date: '',
      delivery_date: '',
      cost: 0,
      transit_days: 0,
    };
    for (const shipment of plan) {
      const price = quote(service.rateCard, shipment.from.distanceKm, shipment.weightGrams);
      if (!price) {
        return undefined;
      }
      const ship = shipDateOf(shipment.from, cutoffAt(service, shipment.from));
      const delivery = addBusinessDays(ship, price.transitDays);
      option.cost += price.price;
      option.transit_days = Math.max(option.transit_days, price.transitDays);
      option.ship_date = laterDate(ship, option.ship_date);
      option.delivery_date = laterDate(delivery, option.delivery_date);
    }
    return option;
  };
  const options = plans.flatMap((plan) => offered.flatMap((service) => optionFor(plan, service) ?? []));
  return options.sort((a, b) => a.delivery_date.localeCompare(b.delivery_date) || a.cost - b.cost);
}

/**
 * The earliest delivery date any service of the level offers for one parcel from one location, or
 * undefined when no service's rate card quotes it.
 */
export function earliestDelivery({
  now,
  from,
  services,
  serviceLevel,
  weightGrams,
}: {
  now: Date;
  from: ShipFrom;
  services: readonly ServiceRate[];
  serviceLevel: string;
  weightGrams: number;
}): string | undefined {
  const options = promiseOptions({
    now,
    plans: [[{ from, lines: [], weightGrams }]],
    services,
    serviceLevel,
  });
  return options[0]?.delivery_date;
}
