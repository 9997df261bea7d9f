/**
 * GTIN-8, -12 (UPC-A), -13 (EAN) and -14: digits whose last one is the GS1 mod-10 check digit
 * (weights 3 and 1 alternating from the right, excluding the check digit).
 */
export function isValidGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(code)) {
    return false;
  }
  const digits = [...code].map(Number);
  const check = digits.pop();
  const sum = digits.reverse().reduce((acc, digit, i) => acc + digit * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}
