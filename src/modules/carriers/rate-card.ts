import type { RateCard } from '../../db/schema/routing.js';

export type { RateCard };

export interface Quote {
  price: number;
  transitDays: number;
}

/** The price and transit time for a parcel, or undefined when it falls outside the card. */
export function quote(card: RateCard, distanceKm: number, weightGrams: number): Quote | undefined {
  const band = card.distance_bands.findIndex((b) => distanceKm >= b.min_km && distanceKm < b.max_km);
  const bracket = card.weight_brackets.findIndex(
    (b) => weightGrams >= b.min_grams && weightGrams < b.max_grams,
  );
  const cell = band < 0 || bracket < 0 ? undefined : card.rates[band]?.[bracket];
  return cell && { price: cell.price, transitDays: cell.transit_days };
}

function rangeErrors<T>(
  ranges: T[],
  bounds: (range: T) => [number, number],
  pointer: string,
  unit: string,
): Array<{ pointer: string; detail: string }> {
  const errors: Array<{ pointer: string; detail: string }> = [];
  ranges.forEach((range, i) => {
    const [min, max] = bounds(range);
    if (max <= min) {
      errors.push({ pointer: `${pointer}/${i}`, detail: `must end after it starts (${min}-${max} ${unit})` });
    }
    if (i === 0 && min !== 0) {
      errors.push({ pointer: `${pointer}/0`, detail: `must start at 0 ${unit}, not ${min}` });
    }
    const previous = ranges[i - 1];
    if (previous !== undefined) {
      const [, previousMax] = bounds(previous);
      if (min > previousMax) {
        errors.push({
          pointer: `${pointer}/${i}`,
          detail: `leaves a gap from ${previousMax} to ${min} ${unit}`,
        });
      } else if (min < previousMax) {
        errors.push({
          pointer: `${pointer}/${i}`,
          detail: `overlaps the previous range (${min} < ${previousMax} ${unit})`,
        });
      }
    }
  });
  return errors;
}

/** Everything wrong with a rate card, as JSON pointers under `pointer`. */
export function rateCardErrors(card: RateCard, pointer: string): Array<{ pointer: string; detail: string }> {
  const errors = [
    ...rangeErrors(card.distance_bands, (b) => [b.min_km, b.max_km], `${pointer}/distance_bands`, 'km'),
    ...rangeErrors(
      card.weight_brackets,
      (b) => [b.min_grams, b.max_grams],
      `${pointer}/weight_brackets`,
      'g',
    ),
  ];
  if (card.rates.length !== card.distance_bands.length) {
    errors.push({
      pointer: `${pointer}/rates`,
      detail: `needs one row per distance band (${card.distance_bands.length}), has ${card.rates.length}`,
    });
  }
  card.rates.forEach((row, i) => {
    if (row.length !== card.weight_brackets.length) {
      errors.push({
        pointer: `${pointer}/rates/${i}`,
        detail: `needs one rate per weight bracket (${card.weight_brackets.length}), has ${row.length}`,
      });
    }
  });
  return errors;
}
