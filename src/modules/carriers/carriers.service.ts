import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { processCache } from '../../db/process-cache.js';
import { carrierServices, carriers } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { conflict, type FieldError, invalid, notFound } from '../../errors.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { outgoingUrlProblem } from '../../http/url-guard.js';
import { locationIdsByCode } from '../catalog/lookup.js';
import type {
  Carrier,
  CarrierAdapterKind,
  CarrierServiceBody,
  CarrierServiceInput,
  CreateCarrier,
  UpdateCarrier,
} from './carriers.schemas.js';
import { type RateCard, rateCardErrors } from './rate-card.js';

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

type CarrierRow = typeof carriers.$inferSelect;
type ServiceRow = typeof carrierServices.$inferSelect;

const presentService = (row: ServiceRow): CarrierServiceBody => ({
  code: row.code,
  name: row.name,
  service_levels: row.serviceLevels as CarrierServiceBody['service_levels'],
  rate_card: row.rateCard,
  pickup_cutoffs: row.pickupCutoffs,
  active: row.active,
});

/** How a carrier makes labels; the token is for the adapter only, never for API responses. */
export interface AdapterConfig {
  adapter: CarrierAdapterKind;
  endpoint: string | null;
  apiToken: string | null;
}

const present = (row: CarrierRow, services: ServiceRow[]): Carrier => ({
  code: row.code,
  name: row.name,
  active: row.active,
  adapter: row.adapter,
  endpoint: row.endpoint,
  has_api_token: row.apiToken !== null,
  services: services.map(presentService),
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/**
 * Why an adapter setting cannot be saved: an `http` carrier needs an endpoint, and the endpoint must
 * be an http(s) URL without credentials (the token has its own write-only field) or a fragment.
 */
export function adapterErrors(config: {
  adapter: CarrierAdapterKind;
  endpoint: string | null;
}): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (detail: string) => errors.push({ in: 'body', pointer: '/endpoint', detail });
  if (config.endpoint === null) {
    if (config.adapter === 'http') {
      fail('is required when the adapter is http');
    }
    return errors;
  }
  let url: URL;
  try {
    url = new URL(config.endpoint);
  } catch {
    fail('must be an absolute http or https URL');
    return errors;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail('must be an http or https URL');
  } else if (url.username !== '' || url.password !== '') {
    fail('must not carry credentials; send the token as api_token');
  } else if (url.hash !== '' || config.endpoint.includes('#')) {
    fail('must not have a fragment');
  }
  return errors;
}

/** RFC 6901: `~` and `/` in a key are escaped so the pointer names exactly that key. */
const pointerKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export type CarrierService = ReturnType<typeof createCarrierService>;

export function createCarrierService({
  db,
  allowPrivateEndpoints = false,
}: {
  db: Db;
  /** Whether an HTTP adapter's endpoint may point at a private, loopback or link-local address. */
  allowPrivateEndpoints?: boolean;
}) {
  /*
   * Every order capture and promise reads the active services, so they are cached per process for
   * `activeServicesCacheMs` (1 s); carrier writes here go through `writing`, which clears it at once.
   */
  const activeCache = processCache(readActiveServices, activeServicesCacheMs);
  const writing = activeCache.writing;

  /** Everything JSON Schema cannot check in a list of services, each problem by pointer, service by service. */
  async function servicesErrors(services: CarrierServiceInput[], tx: Executor): Promise<FieldError[]> {
    const known = await locationIdsByCode(
      tx,
      services.flatMap((service) => Object.keys(service.pickup_cutoffs ?? {})),
    );
    const errors: FieldError[] = [];
    const seen = new Set<string>();
    services.forEach((service, i) => {
      if (seen.has(service.code)) {
        errors.push({
          in: 'body',
          pointer: `/services/${i}/code`,
          detail: `"${service.code}" is already the code of another service of this carrier`,
        });
      }
      seen.add(service.code);
      for (const error of rateCardErrors(service.rate_card, `/services/${i}/rate_card`)) {
        errors.push({ in: 'body', ...error });
      }
      for (const code of Object.keys(service.pickup_cutoffs ?? {})) {
        if (!known.has(code)) {
          errors.push({
            in: 'body',
            pointer: `/services/${i}/pickup_cutoffs/${pointerKey(code)}`,
            detail: `"${code}" is not a known location`,
          });
        }
      }
    });
    return errors;
  }

  /** Every problem with the adapter settings and (when given) the services, in one 422. */
  async function checkCarrier(
    services: CarrierServiceInput[] | undefined,
    adapter: { adapter: CarrierAdapterKind; endpoint: string | null },
    tx: Executor,
  ): Promise<void> {
    const errors = [...adapterErrors(adapter), ...(services ? await servicesErrors(services, tx) : [])];
    const address =
      adapter.endpoint !== null && errors.every((e) => e.pointer !== '/endpoint')
        ? await outgoingUrlProblem(adapter.endpoint, allowPrivateEndpoints)
        : undefined;
    if (address) {
      errors.push({ in: 'body', pointer: '/endpoint', detail: address });
    }
    if (errors.length > 0) {
      throw invalid(errors, 'The carrier is invalid; nothing was saved');
    }
  }

  async function insertServices(tx: Executor, carrierId: number, services: CarrierServiceInput[]) {
    if (services.length === 0) {
      return [];
    }
    // One multi-row insert: ids follow the order given, which is the order the services are served in.
    return tx
      .insert(carrierServices)
      .values(
        services.map((service) => ({
          carrierId,
          code: service.code,
          name: service.name,
          serviceLevels: service.service_levels,
          rateCard: service.rate_card,
          pickupCutoffs: service.pickup_cutoffs ?? {},
          active: service.active,
        })),
      )
      .returning();
  }

  async function servicesOf(carrierIds: number[], tx: Executor = db): Promise<Map<number, ServiceRow[]>> {
    const byCarrier = new Map<number, ServiceRow[]>(carrierIds.map((id) => [id, []]));
    if (carrierIds.length > 0) {
      const rows = await tx
        .select()
        .from(carrierServices)
        .where(inArray(carrierServices.carrierId, carrierIds))
        .orderBy(asc(carrierServices.carrierId), asc(carrierServices.id));
      for (const row of rows) {
        byCarrier.get(row.carrierId)?.push(row);
      }
    }
    return byCarrier;
  }

  async function loadOne(code: string, tx: Executor = db): Promise<Carrier> {
    const [row] = await tx.select().from(carriers).where(eq(carriers.code, code));
    if (!row) {
      throw notFound(`Carrier ${code}`);
    }
    return present(row, (await servicesOf([row.id], tx)).get(row.id) ?? []);
  }

  async function readActiveServices(tx: Executor = db): Promise<ServiceRate[]> {
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

  return {
    create: (input: CreateCarrier): Promise<Carrier> =>
      writing(() =>
        inTransaction(db, async (tx) => {
          const adapter = input.adapter ?? 'rate_card';
          await checkCarrier(input.services, { adapter, endpoint: input.endpoint ?? null }, tx);
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
          return present(row, await insertServices(tx, row.id, input.services));
        }),
      ),

    get: (code: string) => loadOne(code),

    async list(query: { limit: number; cursor?: string; active?: boolean }): Promise<Page<Carrier>> {
      const after = decodeCursor(query.cursor, ['number']);
      const rows = await db
        .select()
        .from(carriers)
        .where(
          and(
            query.active === undefined ? undefined : eq(carriers.active, query.active),
            after ? gt(carriers.id, Number(after[0])) : undefined,
          ),
        )
        .orderBy(asc(carriers.id))
        .limit(query.limit + 1);
      const services = await servicesOf(rows.slice(0, query.limit).map((row) => row.id));
      return toPage(
        rows,
        query.limit,
        (row) => [row.id],
        (row) => present(row, services.get(row.id) ?? []),
      );
    },

    /** Changes the name and active flag; `services`, when given, replaces the whole list. */
    update: (code: string, input: UpdateCarrier): Promise<Carrier> =>
      writing(() =>
        inTransaction(db, async (tx) => {
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
          await checkCarrier(input.services, adapter, tx);
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
          return loadOne(code, tx);
        }),
      ),

    deactivate: (code: string): Promise<Carrier> =>
      writing(async () => {
        const [row] = await db
          .update(carriers)
          .set({ active: false, updatedAt: sql`now()` })
          .where(eq(carriers.code, code))
          .returning({ id: carriers.id });
        if (!row) {
          throw notFound(`Carrier ${code}`);
        }
        return loadOne(code);
      }),

    /**
     * How the carrier makes labels, token included (for the adapter only), or undefined when there is
     * no such carrier. Read fresh every time: it is needed once per shipment shipped.
     */
    async adapterConfig(code: string, tx: Executor = db): Promise<AdapterConfig | undefined> {
      const [row] = await tx
        .select({ adapter: carriers.adapter, endpoint: carriers.endpoint, apiToken: carriers.apiToken })
        .from(carriers)
        .where(eq(carriers.code, code));
      return row;
    },

    /**
     * The active services of active carriers, by carrier code then service code. Served from the
     * process cache when it is younger than 1 s (see the staleness note above); the result is frozen.
     */
    /** `tx`: the caller's open transaction, used only when the cache is stale. */
    activeServices: (tx?: Executor): Promise<ServiceRate[]> => activeCache.get(tx),
  };
}
