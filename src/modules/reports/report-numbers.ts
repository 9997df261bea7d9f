/** Pure: how reports round what they measure. */

/** Rounds to `digits` decimals; null stays null. */
export const rounded = (value: number | string | null | undefined, digits: number): number | null =>
  value === null || value === undefined ? null : Number(Number(value).toFixed(digits));

/** numerator / denominator to 4 decimals, null when the denominator is 0. */
export const rate = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : rounded(numerator / denominator, 4);

/** Seconds as hours, 2 decimals. */
export const hours = (seconds: number | string | null | undefined): number | null =>
  seconds === null || seconds === undefined ? null : rounded(Number(seconds) / 3600, 2);
