import type { Executor } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { locationIdsByCode, productIdsBySku } from '../catalog/index.js';
import { appendEvents } from '../events/index.js';
import type { InboundDeps } from './deps.js';
import type { CreateInboundShipment, InboundShipmentView } from './inbound.schemas.js';
import { inboundEvent } from './inbound-events.js';
import { findInbound, inboundWithReference, insertInbound, presentInbound } from './inbound-store.js';

/** The index of the first line naming each SKU again: one line per SKU. */
export function repeatedSkus(lines: ReadonlyArray<{ sku: string }>): FieldError[] {
  const first = new Map<string, number>();
  return lines.flatMap((line, i) => {
    const earlier = first.get(line.sku);
    if (earlier === undefined) {
      first.set(line.sku, i);
      return [];
    }
    return [bodyError(`/lines/${i}/sku`, `${line.sku} is already on line ${earlier}: one line per SKU`)];
  });
}

/** The request's location and products by id, or every unknown one as a field error. */
async function resolve(tx: Executor, input: CreateInboundShipment) {
  const [locationIds, productIds] = await Promise.all([
    locationIdsByCode(tx, [input.location]),
    productIdsBySku(
      tx,
      input.lines.map((line) => line.sku),
    ),
  ]);
  const errors: FieldError[] = [];
  const locationId = locationIds.get(input.location);
  if (locationId === undefined) {
    errors.push(bodyError('/location', `"${input.location}" is not a known location`));
  }
  const lines = input.lines.map((line, i) => {
    const productId = productIds.get(line.sku);
    if (productId === undefined) {
      errors.push(bodyError(`/lines/${i}/sku`, `"${line.sku}" is not a known SKU`));
    }
    return { ...line, productId: productId ?? 0 };
  });
  return { locationId: locationId ?? 0, lines, errors };
}

/**
 * Announces stock on its way to a location: nothing is on hand yet, but every line shows as incoming
 * in availability, and orders waiting for them are promised them. Every bad field is a 422 naming
 * it; a reference used before is a 409.
 */
export async function createInbound(
  deps: Pick<InboundDeps, 'db' | 'clock' | 'backorders'>,
  input: CreateInboundShipment,
  caller: Caller,
): Promise<InboundShipmentView> {
  const repeated = repeatedSkus(input.lines);
  if (repeated.length > 0) {
    throw invalid(repeated);
  }
  return inTransaction(deps.db, async (tx) => {
    const { locationId, lines, errors } = await resolve(tx, input);
    if (errors.length > 0) {
      throw invalid(errors);
    }
    const taken = await inboundWithReference(tx, input.reference);
    if (taken !== undefined) {
      throw new AppError(
        'conflict',
        `Inbound shipment ${taken} already has the reference "${input.reference}"`,
      );
    }
    const id = await insertInbound(tx, {
      reference: input.reference,
      locationId,
      expectedDate: input.expected_date,
      supplier: input.supplier ?? null,
      notes: input.notes ?? null,
      createdBy: caller.keyId,
      createdAt: deps.clock.now(),
      lines,
    });
    const view = presentInbound(await findInbound(tx, id));
    await appendEvents(tx, [inboundEvent('inbound_shipment.created', view)]);
    // Orders waiting for these products may be promised the new units (or sooner ones).
    await deps.backorders.repromise(
      tx,
      lines.map((line) => line.productId),
      'inbound_announced',
    );
    return view;
  });
}
