import type { Executor } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { locationIdsByCode, productIdsBySku } from '../catalog/index.js';
import { appendEvents } from '../events/index.js';
import { freeStock } from '../inventory/index.js';
import type { TransferDeps } from './deps.js';
import { transferEvent } from './transfer-events.js';
import { findTransfer, insertTransfer, presentTransfer, transferWithReference } from './transfer-store.js';
import type { CreateTransfer, TransferView } from './transfers.schemas.js';

/** Errors the request shows by itself: the same location at both ends, a SKU on two lines. */
function shapeErrors(input: CreateTransfer): FieldError[] {
  const errors: FieldError[] = [];
  if (input.source === input.destination) {
    errors.push(bodyError('/destination', `must differ from the source (${input.source})`));
  }
  const first = new Map<string, number>();
  input.lines.forEach((line, i) => {
    const earlier = first.get(line.sku);
    if (earlier !== undefined) {
      errors.push(
        bodyError(`/lines/${i}/sku`, `${line.sku} is already on line ${earlier}: one line per SKU`),
      );
    }
    first.set(line.sku, earlier ?? i);
  });
  return errors;
}

/** The request's locations and products by id, or every unknown one as a field error. */
async function resolve(tx: Executor, input: CreateTransfer) {
  const [locationIds, productIds] = await Promise.all([
    locationIdsByCode(tx, [input.source, input.destination]),
    productIdsBySku(
      tx,
      input.lines.map((line) => line.sku),
    ),
  ]);
  const errors: FieldError[] = [];
  const sourceId = locationIds.get(input.source);
  const destinationId = locationIds.get(input.destination);
  if (sourceId === undefined) {
    errors.push(bodyError('/source', `"${input.source}" is not a known location`));
  }
  if (destinationId === undefined) {
    errors.push(bodyError('/destination', `"${input.destination}" is not a known location`));
  }
  const lines = input.lines.map((line, i) => {
    const productId = productIds.get(line.sku);
    if (productId === undefined) {
      errors.push(bodyError(`/lines/${i}/sku`, `"${line.sku}" is not a known SKU`));
    }
    return { ...line, productId: productId ?? 0 };
  });
  return { sourceId: sourceId ?? 0, destinationId: destinationId ?? 0, lines, errors };
}

/**
 * Requests a transfer: nothing moves yet, but a line asking for more than is free at the source now
 * (on hand, neither reserved, damaged nor in quality control) is refused, as shipping it would be.
 * Every bad field is a 422 naming it; a reference used before is a 409.
 */
export async function createTransfer(
  deps: Pick<TransferDeps, 'db' | 'clock'>,
  input: CreateTransfer,
  caller: Caller,
): Promise<TransferView> {
  const shape = shapeErrors(input);
  if (shape.length > 0) {
    throw invalid(shape);
  }
  return inTransaction(deps.db, async (tx) => {
    const { sourceId, destinationId, lines, errors } = await resolve(tx, input);
    if (errors.length > 0) {
      throw invalid(errors);
    }
    const free = await freeStock(
      tx,
      lines.map((line) => ({ productId: line.productId, locationId: sourceId })),
    );
    const short = lines.flatMap((line, i) =>
      (free[i] ?? 0) < line.quantity
        ? [
            bodyError(
              `/lines/${i}/quantity`,
              `only ${free[i] ?? 0} of ${line.sku} are free at ${input.source} (on hand, neither reserved, damaged nor in quality control), not ${line.quantity}`,
            ),
          ]
        : [],
    );
    if (short.length > 0) {
      throw invalid(short, 'More is asked than is free at the source; nothing changed');
    }
    if (input.reference !== undefined) {
      const taken = await transferWithReference(tx, input.reference);
      if (taken !== undefined) {
        throw new AppError('conflict', `Transfer ${taken} already has the reference "${input.reference}"`);
      }
    }
    const id = await insertTransfer(tx, {
      reference: input.reference ?? null,
      sourceLocationId: sourceId,
      destinationLocationId: destinationId,
      note: input.note ?? null,
      createdBy: caller.keyId,
      createdAt: deps.clock.now(),
      lines,
    });
    const view = presentTransfer(await findTransfer(tx, id));
    await appendEvents(tx, [transferEvent('transfer.created', view)]);
    return view;
  });
}
