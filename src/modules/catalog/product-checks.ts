import type { FieldError } from '../../errors.js';
import { isValidGtin } from './gtin.js';

/** What JSON Schema cannot check in products: trimmed SKUs, GTIN check digits, barcodes owned elsewhere. */

const skuError = (pointer: string): FieldError => ({
  in: 'body',
  pointer,
  detail: 'must have 1 to 64 characters once surrounding spaces are trimmed',
});

/**
 * Trims the SKU and checks what JSON Schema cannot: SKU length after trimming (in characters, as
 * `maxLength` counts them, so an emoji is one), GTIN check digits.
 */
export function rowErrors(product: { sku?: string; barcodes?: string[] }, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  if (product.sku !== undefined && !/^.{1,64}$/u.test(product.sku.trim())) {
    errors.push(skuError(`${pointer}/sku`));
  }
  product.barcodes?.forEach((code, i) => {
    if (!isValidGtin(code)) {
      errors.push({
        in: 'body',
        pointer: `${pointer}/barcodes/${i}`,
        detail: `"${code}" has a wrong GTIN check digit`,
      });
    }
  });
  return errors;
}

export function ownedElsewhere(
  owners: Map<string, string>,
  barcodes: string[] | undefined,
  pointer: string,
): FieldError[] {
  return (barcodes ?? []).flatMap((code, i) => {
    const owner = owners.get(code);
    return owner === undefined
      ? []
      : [
          {
            in: 'body' as const,
            pointer: `${pointer}/barcodes/${i}`,
            detail: `"${code}" already belongs to product ${owner}`,
          },
        ];
  });
}
