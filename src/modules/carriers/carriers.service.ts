import { and, asc, eq } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { processCache } from '../../db/process-cache.js';
import { carrierServices, carriers } from '../../db/schema/index.js';
import { adapterConfigOf, type CarrierListQuery, listCarriers, loadCarrier } from './carrier-store.js';
import type { CreateCarrier, UpdateCarrier } from './carriers.schemas.js';
import { createCarrier, deactivateCarrier, updateCarrier } from './carriers-edit.js';
import type { CarrierDeps } from './deps.js';
import type { RateCard } from './rate-card.js';

/** An active service of an active carrier, as routing and promising use it. */
export interface ServiceRate {
  carrier: string;
  service: string;
  name: string;
  serviceLevels: string[];
  rateCard: RateCard;
  pickupCutoffs: Record<string, string>;
}

/** How long a process keeps serving the active services it read last. */
const activeServicesCacheMs = 1000;

async function readActiveServices(db: Db, tx: Executor = db): Promise<ServiceRate[]> {
  const rows = await tx
    .select({
      carrier: carriers.code,
      service: carrierServices.code,
      name: carrierServices.name,
      serviceLevels: carrierServices.serviceLevels,
      rateCard: carrierServices.rateCard,
      pickupCutoffs: carrierServices.pickupCutoffs,
    })
    .from(carrierServices)
    .innerJoin(carriers, eq(carriers.id, carrierServices.carrierId))
    .where(and(eq(carriers.active, true), eq(carrierServices.active, true)))
    .orderBy(asc(carriers.code), asc(carrierServices.code));
  return rows;
}

export type CarrierService = ReturnType<typeof createCarrierService>;

export function createCarrierService({
  db,
  allowPrivateEndpoints = false,
}: Pick<CarrierDeps, 'db'> & Partial<Pick<CarrierDeps, 'allowPrivateEndpoints'>>) {
  const deps = { db, allowPrivateEndpoints };
  /*
   * Every order capture and promise reads the active services, so they are cached per process for
   * `activeServicesCacheMs` (1 s); carrier writes here go through `writing`, which clears it at once.
   */
  const activeCache = processCache((tx?: Executor) => readActiveServices(db, tx), activeServicesCacheMs);
  const { writing } = activeCache;

  return {
    create: (input: CreateCarrier) => writing(() => createCarrier(deps, input)),
    get: (code: string) => loadCarrier(db, code),
    list: (query: CarrierListQuery) => listCarriers(db, query),
    /** Changes the name and active flag; `services`, when given, replaces the whole list. */
    update: (code: string, input: UpdateCarrier) => writing(() => updateCarrier(deps, code, input)),
    deactivate: (code: string) => writing(() => deactivateCarrier(deps, code)),
    /**
     * How the carrier makes labels, token included (for the adapter only), or undefined when there is
     * no such carrier. Read fresh every time: it is needed once per shipment shipped.
     */
    adapterConfig: (code: string, tx: Executor = db) => adapterConfigOf(tx, code),
    /**
     * The active services of active carriers, by carrier code then service code. Served from the
     * process cache when it is younger than 1 s (see the staleness note above); the result is frozen.
     * `tx`: the caller's open transaction, used only when the cache is stale.
     */
    activeServices: (tx?: Executor): Promise<ServiceRate[]> => activeCache.get(tx),
  };
}
