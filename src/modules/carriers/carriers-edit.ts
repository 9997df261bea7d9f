import { eq, sql } from 'drizzle-orm';
import { carrierServices, carriers } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { conflict, notFound } from '../../errors.js';
import { checkCarrier } from './carrier-checks.js';
import { insertServices, loadCarrier, presentCarrier } from './carrier-store.js';
import type { Carrier, CreateCarrier, UpdateCarrier } from './carriers.schemas.js';
import type { CarrierDeps } from './deps.js';

/** Carrier writes; the service runs each through its cache's `writing`, so the active services show at once. */

export const createCarrier = (deps: CarrierDeps, input: CreateCarrier): Promise<Carrier> =>
  inTransaction(deps.db, async (tx) => {
    const adapter = input.adapter ?? 'rate_card';
    await checkCarrier(deps, input.services, { adapter, endpoint: input.endpoint ?? null }, tx);
    const [row] = await tx
      .insert(carriers)
      .values({
        code: input.code,
        name: input.name,
        active: input.active,
        adapter,
        endpoint: input.endpoint ?? null,
        apiToken: input.api_token ?? null,
      })
      .onConflictDoNothing({ target: carriers.code })
      .returning();
    if (!row) {
      throw conflict(`A carrier with code "${input.code}" already exists`);
    }
    return presentCarrier(row, await insertServices(tx, row.id, input.services));
  });

/** Changes the name and active flag; `services`, when given, replaces the whole list. */
export const updateCarrier = (deps: CarrierDeps, code: string, input: UpdateCarrier): Promise<Carrier> =>
  inTransaction(deps.db, async (tx) => {
    const [existing] = await tx
      .select({ id: carriers.id, adapter: carriers.adapter, endpoint: carriers.endpoint })
      .from(carriers)
      .where(eq(carriers.code, code))
      .for('update');
    if (!existing) {
      throw notFound(`Carrier ${code}`);
    }
    // The settings as they will be, so an http carrier can never lose its endpoint.
    const adapter = {
      adapter: input.adapter ?? existing.adapter,
      endpoint: input.endpoint === undefined ? existing.endpoint : input.endpoint,
    };
    await checkCarrier(deps, input.services, adapter, tx);
    await tx
      .update(carriers)
      .set({
        name: input.name,
        active: input.active,
        adapter: input.adapter,
        endpoint: input.endpoint,
        apiToken: input.api_token,
        updatedAt: sql`now()`,
      })
      .where(eq(carriers.id, existing.id));
    if (input.services) {
      await tx.delete(carrierServices).where(eq(carrierServices.carrierId, existing.id));
      await insertServices(tx, existing.id, input.services);
    }
    return loadCarrier(tx, code);
  });

export async function deactivateCarrier({ db }: Pick<CarrierDeps, 'db'>, code: string): Promise<Carrier> {
  const [row] = await db
    .update(carriers)
    .set({ active: false, updatedAt: sql`now()` })
    .where(eq(carriers.code, code))
    .returning({ id: carriers.id });
  if (!row) {
    throw notFound(`Carrier ${code}`);
  }
  return loadCarrier(db, code);
}
