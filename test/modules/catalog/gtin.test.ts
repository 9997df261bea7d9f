import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidGtin } from '../../../src/modules/catalog/gtin.js';

/** The GS1 check digit, computed independently: weights 3,1,3,... from the rightmost body digit. */
function checkDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = Number(body[body.length - 1 - i]);
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

const digits = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));

/** A body of a GTIN-8, -12, -13 or -14. */
const body = fc.constantFrom(7, 11, 12, 13).chain(digits);

describe('isValidGtin', () => {
  it.each([
    ['4006381333931', 'EAN-13'],
    ['036000291452', 'UPC-A'],
    ['96385074', 'GTIN-8'],
    ['00012345600012', 'GTIN-14'],
    ['0000000000000', 'all zeros'],
  ])('accepts %s (%s)', (code) => {
    expect(isValidGtin(code)).toBe(true);
  });

  it.each([
    ['4006381333932', 'wrong check digit'],
    ['036000291453', 'wrong UPC-A check digit'],
    ['96385075', 'wrong GTIN-8 check digit'],
    ['', 'empty'],
    ['1234567', 'seven digits'],
    ['123456789', 'nine digits'],
    ['1234567890', 'ten digits'],
    ['12345678901', 'eleven digits'],
    ['400638133393100', 'fifteen digits'],
    ['40063813339a1', 'a letter'],
    [' 4006381333931', 'a leading space'],
    ['4006381333931 ', 'a trailing space'],
    ['400638133393\n1', 'a newline'],
    ['４００６３８１３３３９３１', 'full-width digits'],
  ])('rejects %j (%s)', (code) => {
    expect(isValidGtin(code)).toBe(false);
  });

  it('accepts any 7, 11, 12 or 13 digit body followed by its GS1 check digit', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(isValidGtin(`${b}${checkDigit(b)}`)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects the same code with any other check digit', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 9 }), (b, shift) => {
        const wrong = (checkDigit(b) + shift) % 10;
        expect(isValidGtin(`${b}${wrong}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a code with one body digit changed (a single-digit typo is always caught)', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.integer({ min: 1, max: 9 }), (b, at, shift) => {
        const i = at % b.length;
        const typo = `${b.slice(0, i)}${(Number(b[i]) + shift) % 10}${b.slice(i + 1)}`;
        expect(isValidGtin(`${typo}${checkDigit(b)}`)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
