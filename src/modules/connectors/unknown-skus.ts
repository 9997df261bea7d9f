import { AppError } from '../../errors.js';
import type { CreateOrder } from '../orders/index.js';
import { UnreadableDelivery } from './shopify-money.js';

/** How a Shopify order's lines with SKUs Ordo does not sell are held, never dropped. */

type Line = CreateOrder['lines'][number];

/** A manual hold naming why the order is not as Shopify sent it. */
export interface LinesHold {
  reason: string;
  details: { missing_lines: Line[] };
}

const skuPointer = /^\/lines\/(\d+)\/sku$/;

/** The indexes of the lines Ordo refused for their SKU (unknown, or not an active product). */
const refusedLines = (err: unknown) =>
  new Set(
    err instanceof AppError && err.code === 'validation_failed'
      ? (err.errors ?? []).flatMap((e) => {
          const match = skuPointer.exec(e.pointer);
          return match ? [Number(match[1])] : [];
        })
      : [],
  );

const holdOf = (reasons: string[], missing: Line[]): LinesHold | undefined =>
  reasons.length > 0 ? { reason: reasons.join('; '), details: { missing_lines: missing } } : undefined;

/**
 * Runs `take` (a capture, an edit) with the lines, and a hold when `reasons` say the order must be held.
 * When Ordo refuses lines for their SKU, runs it once more without them, with a hold that names them:
 * the order is held, never dropped. `take` decides what no line left means.
 */
export async function holdingUnknownSkus<T>(
  lines: Line[],
  reasons: string[],
  take: (lines: Line[], hold: LinesHold | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await take(lines, holdOf(reasons, []));
  } catch (err) {
    const refused = refusedLines(err);
    if (refused.size === 0) {
      throw err;
    }
    const missing = lines.filter((_, i) => refused.has(i));
    const why = missing.map((line) => `Shopify: ${line.quantity} x "${line.sku}" is not a known SKU`);
    return take(
      lines.filter((_, i) => !refused.has(i)),
      holdOf([...reasons, ...why], missing),
    );
  }
}

/** Ordo refusing what Shopify sent (a validation failure) keeps the delivery in the inbox, with why. */
export function asUnreadable(err: unknown, what: string): unknown {
  if (!(err instanceof AppError && err.code === 'validation_failed')) {
    return err;
  }
  const detail = (err.errors ?? []).map((e) => `${e.pointer} ${e.detail}`).join('; ') || err.message;
  return new UnreadableDelivery(`${what}: ${detail}`);
}
