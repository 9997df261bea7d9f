import { describe, expect, it } from 'vitest';
import { quote, type RateCard, rateCardErrors } from '../../../src/modules/carriers/rate-card.js';

const card: RateCard = {
  distance_bands: [
    { min_km: 0, max_km: 100 },
    { min_km: 100, max_km: 500.5 },
  ],
  weight_brackets: [
    { min_grams: 0, max_grams: 1000 },
    { min_grams: 1000, max_grams: 5000 },
  ],
  rates: [
    [
      { price: 500, transit_days: 1 },
      { price: 700, transit_days: 1 },
    ],
    [
      { price: 900, transit_days: 3 },
      { price: 1200, transit_days: 4 },
    ],
  ],
};

const copy = (): RateCard => structuredClone(card);

describe('quote()', () => {
  it('puts 0 km and 0 g in the first band and bracket', () => {
    expect(quote(card, 0, 0)).toEqual({ price: 500, transitDays: 1 });
  });

  it('treats bands and brackets as half-open: exactly max_km or max_grams falls in the next one', () => {
    expect(quote(card, 99.999, 999)).toEqual({ price: 500, transitDays: 1 });
    expect(quote(card, 100, 0)).toEqual({ price: 900, transitDays: 3 });
    expect(quote(card, 0, 1000)).toEqual({ price: 700, transitDays: 1 });
    expect(quote(card, 100, 1000)).toEqual({ price: 1200, transitDays: 4 });
  });

  it('is undefined beyond the last band or bracket', () => {
    expect(quote(card, 500.4, 4999)).toEqual({ price: 1200, transitDays: 4 });
    expect(quote(card, 500.5, 0)).toBeUndefined();
    expect(quote(card, 10_000, 0)).toBeUndefined();
    expect(quote(card, 0, 5000)).toBeUndefined();
  });

  it('is undefined for a negative distance or weight, and for a cell the card lacks', () => {
    expect(quote(card, -1, 0)).toBeUndefined();
    expect(quote(card, 0, -1)).toBeUndefined();
    const short = copy();
    short.rates[1] = [{ price: 1, transit_days: 1 }];
    expect(quote(short, 200, 2000)).toBeUndefined();
  });
});

describe('rateCardErrors()', () => {
  it('finds nothing wrong with a valid card', () => {
    expect(rateCardErrors(card, '/rate_card')).toEqual([]);
  });

  it('names a gap, an overlap, a late start and an empty range by pointer', () => {
    const bad = copy();
    bad.distance_bands = [
      { min_km: 5, max_km: 100 },
      { min_km: 120, max_km: 120 },
    ];
    bad.weight_brackets = [
      { min_grams: 0, max_grams: 1000 },
      { min_grams: 900, max_grams: 5000 },
    ];
    const errors = rateCardErrors(bad, '/services/2/rate_card');
    expect(errors.map((e) => e.pointer)).toEqual([
      '/services/2/rate_card/distance_bands/0',
      '/services/2/rate_card/distance_bands/1',
      '/services/2/rate_card/distance_bands/1',
      '/services/2/rate_card/weight_brackets/1',
    ]);
    expect(errors.map((e) => e.detail)).toEqual([
      expect.stringContaining('start at 0'),
      expect.stringContaining('end after it starts'),
      expect.stringContaining('gap from 100 to 120'),
      expect.stringContaining('overlaps'),
    ]);
  });

  it('names rates with the wrong number of rows or cells', () => {
    const rows = copy();
    rows.rates.pop();
    expect(rateCardErrors(rows, '/c')).toEqual([
      { pointer: '/c/rates', detail: 'needs one row per distance band (2), has 1' },
    ]);
    const cells = copy();
    cells.rates[0]?.push({ price: 1, transit_days: 1 });
    expect(rateCardErrors(cells, '/c')).toEqual([
      { pointer: '/c/rates/0', detail: 'needs one rate per weight bracket (2), has 3' },
    ]);
  });
});
