import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { carrierServices, carriers } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type {
  Carrier,
  CarrierAdapterKind,
  CarrierServiceBody,
  CarrierServiceInput,
} from './carriers.schemas.js';

/** SQL shared by the carrier use cases: loading, presenting and the service rows. */

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

export const presentCarrier = (row: CarrierRow, services: ServiceRow[]): Carrier => ({
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

export async function insertServices(tx: Executor, carrierId: number, services: CarrierServiceInput[]) {
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

async function servicesOf(tx: Executor, carrierIds: number[]): Promise<Map<number, ServiceRow[]>> {
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

export async function loadCarrier(tx: Executor, code: string): Promise<Carrier> {
  const [row] = await tx.select().from(carriers).where(eq(carriers.code, code));
  if (!row) {
    throw notFound(`Carrier ${code}`);
  }
  return presentCarrier(row, (await servicesOf(tx, [row.id])).get(row.id) ?? []);
}

export interface CarrierListQuery {
  limit: number;
  cursor?: string;
  active?: boolean;
}

export async function listCarriers(tx: Executor, query: CarrierListQuery): Promise<Page<Carrier>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await tx
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
  const services = await servicesOf(
    tx,
    rows.slice(0, query.limit).map((row) => row.id),
  );
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => presentCarrier(row, services.get(row.id) ?? []),
  );
}

/** How a carrier makes labels; the token is for the adapter only, never for API responses. */
export interface AdapterConfig {
  adapter: CarrierAdapterKind;
  endpoint: string | null;
  apiToken: string | null;
}

/** The carrier's adapter settings, token included, or undefined when there is no such carrier. */
export async function adapterConfigOf(tx: Executor, code: string): Promise<AdapterConfig | undefined> {
  const [row] = await tx
    .select({ adapter: carriers.adapter, endpoint: carriers.endpoint, apiToken: carriers.apiToken })
    .from(carriers)
    .where(eq(carriers.code, code));
  return row;
}
