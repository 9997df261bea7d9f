import { eq, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { binPlacements, pickLists, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { type BinPlacement, type PickLine, pickItems } from './pick-list.js';
import { locationByCode, presentPickList } from './pick-list-store.js';
import type { CreatePickList, PickListView } from './pick-lists.schemas.js';
import { loadShipments, type ShipmentState } from './shipment-store.js';
import { shipmentEvent } from './shipment-view.js';

/** How many pending shipments one batch considers, most urgent first. */
const candidateLimit = 2000;

/**
 * Claims the most urgent pending shipments that match and fit the limits, one at a time with SKIP
 * LOCKED: locking every candidate up front would leave a concurrent picker nothing.
 */
async function claimShipments(
  tx: Executor,
  locationId: number,
  input: CreatePickList,
  limits: { maxOrders: number; maxUnits: number },
  caller: Caller,
): Promise<string[]> {
  const candidates = await tx.execute<{ id: string; units: number }>(sql`
    SELECT s.id, (SELECT coalesce(sum(quantity), 0)::int FROM shipment_lines WHERE shipment_id = s.id) AS units
      FROM shipments s
      JOIN orders o ON o.id = s.order_id
      JOIN channels c ON c.id = o.channel_id
     WHERE s.location_id = ${locationId} AND s.status = 'pending' AND s.pick_list_id IS NULL
       ${input.service_levels ? sql`AND s.service_level::text = ANY(${sql.param(input.service_levels)}::text[])` : sql``}
       ${input.carriers ? sql`AND s.carrier = ANY(${sql.param(input.carriers)}::text[])` : sql``}
       ${input.min_priority === undefined ? sql`` : sql`AND s.priority >= ${input.min_priority}`}
       ${caller.channel === null ? sql`` : sql`AND c.code = ${caller.channel}`}
     ORDER BY s.ship_by, s.priority DESC, s.created_at, s.id
     LIMIT ${candidateLimit}`);
  const chosen: string[] = [];
  let units = 0;
  for (const candidate of candidates.rows) {
    if (chosen.length === limits.maxOrders) {
      break;
    }
    if (candidate.units === 0 || units + candidate.units > limits.maxUnits) {
      continue;
    }
    const claimed = await tx.execute(sql`
      SELECT id FROM shipments
       WHERE id = ${candidate.id} AND status = 'pending' AND pick_list_id IS NULL
         FOR UPDATE SKIP LOCKED`);
    if (claimed.rows.length === 1) {
      chosen.push(candidate.id);
      units += candidate.units;
    }
  }
  return chosen;
}

/** The batch's items merged by SKU in the location's walk order, each tote one shipment. */
async function itemsOf(tx: Executor, locationId: number, states: ShipmentState[]) {
  const placements = await tx.select().from(binPlacements).where(eq(binPlacements.locationId, locationId));
  const bins = new Map<number, BinPlacement>(
    placements.map((p) => [
      p.productId,
      { zone: p.zone, aisle: p.aisle, bin: p.bin, walkSequence: p.walkSequence },
    ]),
  );
  const lines: PickLine[] = states.flatMap((state, i) =>
    state.lines.map((line) => ({
      shipmentId: state.shipment.id,
      shipmentLineId: line.id,
      tote: i + 1,
      productId: line.productId,
      sku: line.sku,
      quantity: line.quantity,
    })),
  );
  return pickItems(lines, bins);
}

/**
 * Builds a batch from the location's released (pending) shipments, most urgent ship-by date first,
 * within the order and unit limits. Shipments are claimed with SKIP LOCKED, so two pickers asking
 * at once get different shipments; they move to picking, each in its own tote.
 */
export const createPickList = (
  deps: { db: Db; clock: { now(): Date } },
  code: string,
  input: CreatePickList,
  caller: Caller,
): Promise<PickListView> =>
  inTransaction(deps.db, async (tx) => {
    const location = await locationByCode(tx, code);
    if (location.fulfillment === 'external_wms') {
      throw new AppError('conflict', `${code} is run by an external WMS, which picks its own shipments`);
    }
    const limits = { maxOrders: input.max_orders ?? 20, maxUnits: input.max_units ?? 500 };
    const chosen = await claimShipments(tx, location.id, input, limits, caller);
    if (chosen.length === 0) {
      throw new AppError('conflict', `No released shipment at ${code} matches and fits the limits`);
    }
    const states = await loadShipments(tx, chosen);
    const urgency = new Map(chosen.map((id, i) => [id, i]));
    states.sort((a, b) => (urgency.get(a.shipment.id) ?? 0) - (urgency.get(b.shipment.id) ?? 0));
    const now = deps.clock.now();
    const [row] = await tx
      .insert(pickLists)
      .values({
        locationId: location.id,
        criteria: { ...input, max_orders: limits.maxOrders, max_units: limits.maxUnits },
        items: await itemsOf(tx, location.id, states),
        packing: states.map((state, i) => ({
          tote: i + 1,
          shipment_id: state.shipment.id,
          shipment_number: state.shipment.number,
          ship_by: state.shipment.shipBy,
          packing: state.shipment.packing,
        })),
        createdBy: caller.keyId,
        createdAt: now,
      })
      .returning();
    if (!row) {
      throw new Error('pick list insert returned nothing');
    }
    for (const [i, state] of states.entries()) {
      await tx
        .update(shipments)
        .set({ status: 'picking', pickListId: row.id, tote: i + 1, updatedAt: now })
        .where(eq(shipments.id, state.shipment.id));
    }
    const picking = await loadShipments(tx, chosen);
    await appendEvents(
      tx,
      picking.map((state) => shipmentEvent(state, 'shipment.picking', { pick_list_id: row.id })),
    );
    return presentPickList(tx, row);
  });
