import { asc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/client.js';
import type { PickItem } from '../../db/schema/fulfillment.js';
import { binPlacements, locations, pickLists, products, shipments } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { productIdsBySku } from '../catalog/lookup.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { loadOrders } from '../orders/order-store.js';
import { type BinPlacement, type PickLine, pickItems, shortfallByLine } from './pick-list.js';
import type { ConfirmPickList, CreatePickList, PickListView, ReplaceBins } from './pick-lists.schemas.js';
import type { Releaser } from './release.js';
import { loadShipments } from './shipment-store.js';
import type { ShipmentService } from './shipments.service.js';

type PickListRow = typeof pickLists.$inferSelect;

/** How many pending shipments one batch considers, most urgent first. */
const candidateLimit = 2000;

export type PickListService = ReturnType<typeof createPickListService>;

export function createPickListService({
  db,
  clock,
  shipments: shipmentService,
  releaser,
  stockFreed,
}: {
  db: Db;
  clock: Clock;
  shipments: ShipmentService;
  releaser: Releaser;
  stockFreed?: () => void;
}) {
  async function locationByCode(tx: Executor, code: string) {
    const [location] = await tx
      .select({ id: locations.id, code: locations.code, fulfillment: locations.fulfillment })
      .from(locations)
      .where(eq(locations.code, code));
    if (!location) {
      throw notFound(`Location ${code}`);
    }
    return location;
  }

  async function present(tx: Executor, row: PickListRow): Promise<PickListView> {
    const [location] = await tx
      .select({ code: locations.code })
      .from(locations)
      .where(eq(locations.id, row.locationId));
    return {
      id: row.id,
      location: location?.code ?? '',
      status: row.status,
      criteria: row.criteria,
      items: row.items.map(({ product_id: _, totes, ...item }) => ({
        ...item,
        totes: totes.map(({ shipment_line_id: __, ...tote }) => tote),
      })),
      totes: row.packing as PickListView['totes'],
      created_at: row.createdAt.toISOString(),
      confirmed_at: row.confirmedAt?.toISOString() ?? null,
    };
  }

  async function find(tx: Executor, id: number, lock = false): Promise<PickListRow> {
    const select = tx.select().from(pickLists).where(eq(pickLists.id, id));
    const [row] = lock ? await select.for('update') : await select;
    if (!row) {
      throw notFound(`Pick list ${id}`);
    }
    return row;
  }

  return {
    async replaceBins(code: string, input: ReplaceBins) {
      return inTransaction(db, async (tx) => {
        const location = await locationByCode(tx, code);
        const ids = await productIdsBySku(
          tx,
          input.placements.map((p) => p.sku),
        );
        const errors: FieldError[] = [];
        const seen = new Set<string>();
        input.placements.forEach((placement, i) => {
          if (!ids.has(placement.sku)) {
            errors.push(bodyError(`/placements/${i}/sku`, `${placement.sku} is not a product`));
          } else if (seen.has(placement.sku)) {
            errors.push(
              bodyError(`/placements/${i}/sku`, `${placement.sku} is placed twice; one bin per product`),
            );
          }
          seen.add(placement.sku);
        });
        if (errors.length > 0) {
          throw invalid(errors, 'Some placements are invalid; nothing was changed');
        }
        await tx.delete(binPlacements).where(eq(binPlacements.locationId, location.id));
        if (input.placements.length > 0) {
          await tx.insert(binPlacements).values(
            input.placements.map((p) => ({
              locationId: location.id,
              productId: ids.get(p.sku) ?? 0,
              zone: p.zone,
              aisle: p.aisle,
              bin: p.bin,
              walkSequence: p.walk_sequence,
            })),
          );
        }
        return { location: location.code, placements: input.placements };
      });
    },

    async bins(code: string) {
      const location = await locationByCode(db, code);
      const rows = await db
        .select({
          sku: products.sku,
          zone: binPlacements.zone,
          aisle: binPlacements.aisle,
          bin: binPlacements.bin,
          walk_sequence: binPlacements.walkSequence,
        })
        .from(binPlacements)
        .innerJoin(products, eq(products.id, binPlacements.productId))
        .where(eq(binPlacements.locationId, location.id))
        .orderBy(asc(binPlacements.walkSequence), asc(products.sku));
      return { location: location.code, placements: rows };
    },

    /**
     * Builds a batch from the location's released (pending) shipments, most urgent ship-by date first,
     * within the order and unit limits. Shipments are claimed with SKIP LOCKED, so two pickers asking
     * at once get different shipments; they move to picking, each in its own tote.
     */
    create: (code: string, input: CreatePickList, caller: Caller): Promise<PickListView> =>
      inTransaction(db, async (tx) => {
        const location = await locationByCode(tx, code);
        if (location.fulfillment === 'external_wms') {
          throw new AppError('conflict', `${code} is run by an external WMS, which picks its own shipments`);
        }
        const maxOrders = input.max_orders ?? 20;
        const maxUnits = input.max_units ?? 500;
        const candidates = await tx.execute<{ id: string; units: number }>(sql`
          SELECT s.id, (SELECT coalesce(sum(quantity), 0)::int FROM shipment_lines WHERE shipment_id = s.id) AS units
            FROM shipments s
            JOIN orders o ON o.id = s.order_id
            JOIN channels c ON c.id = o.channel_id
           WHERE s.location_id = ${location.id} AND s.status = 'pending' AND s.pick_list_id IS NULL
             ${input.service_levels ? sql`AND s.service_level::text = ANY(${sql.param(input.service_levels)}::text[])` : sql``}
             ${input.carriers ? sql`AND s.carrier = ANY(${sql.param(input.carriers)}::text[])` : sql``}
             ${input.min_priority === undefined ? sql`` : sql`AND s.priority >= ${input.min_priority}`}
             ${caller.channel === null ? sql`` : sql`AND c.code = ${caller.channel}`}
           ORDER BY s.ship_by, s.priority DESC, s.created_at, s.id
           LIMIT ${candidateLimit}`);
        // Claim only what fits, one shipment at a time, skipping those another picker holds: locking
        // every candidate up front would leave a concurrent picker nothing.
        const chosen: string[] = [];
        let units = 0;
        for (const candidate of candidates.rows) {
          if (chosen.length === maxOrders) {
            break;
          }
          if (candidate.units === 0 || units + candidate.units > maxUnits) {
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
        if (chosen.length === 0) {
          throw new AppError('conflict', `No released shipment at ${code} matches and fits the limits`);
        }
        const states = await loadShipments(tx, chosen);
        const urgency = new Map(chosen.map((id, i) => [id, i]));
        states.sort((a, b) => (urgency.get(a.shipment.id) ?? 0) - (urgency.get(b.shipment.id) ?? 0));
        const placements = await tx
          .select()
          .from(binPlacements)
          .where(eq(binPlacements.locationId, location.id));
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
        const now = clock.now();
        const [row] = await tx
          .insert(pickLists)
          .values({
            locationId: location.id,
            criteria: { ...input, max_orders: maxOrders, max_units: maxUnits },
            items: pickItems(lines, bins),
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
          picking.map((state) =>
            shipmentService.shipmentEvent(state, 'shipment.picking', { pick_list_id: row.id }),
          ),
        );
        return present(tx, row);
      }),

    async get(id: number, caller: Caller): Promise<PickListView> {
      if (caller.channel !== null) {
        throw notFound(`Pick list ${id}`);
      }
      return present(db, await find(db, id));
    },

    /**
     * Records what the picker found. Units short of the list are taken off the shelf (a correction in
     * the ledger) and sent back through routing to another location, or onto a stock hold.
     */
    async confirm(id: number, input: ConfirmPickList, caller: Caller): Promise<PickListView> {
      let short = false;
      const view = await inTransaction(db, async (tx) => {
        const row = await find(tx, id, true);
        if (row.status !== 'open') {
          throw new AppError('conflict', `Pick list ${id} is already ${row.status}`);
        }
        const errors: FieldError[] = [];
        const picked = new Map<string, number>();
        (input.items ?? []).forEach((entry, i) => {
          const item = row.items.find((it) => it.sku === entry.sku);
          if (!item) {
            errors.push(bodyError(`/items/${i}/sku`, `${entry.sku} is not on pick list ${id}`));
          } else if (entry.picked > item.quantity) {
            errors.push(
              bodyError(
                `/items/${i}/picked`,
                `the list asks for ${item.quantity} × ${entry.sku}, not ${entry.picked}`,
              ),
            );
          }
          picked.set(entry.sku, entry.picked);
        });
        if (errors.length > 0) {
          throw invalid(errors);
        }
        const missing = new Map<number, number>();
        const items: PickItem[] = row.items.map((item) => {
          const got = picked.get(item.sku) ?? item.quantity;
          for (const [lineId, units] of shortfallByLine(item, got)) {
            missing.set(lineId, units);
          }
          return { ...item, picked: got };
        });

        const batch = await loadShipments(
          tx,
          row.packing.map((tote) => tote.shipment_id),
        );
        const shortShipments = batch.filter((state) => state.lines.some((line) => missing.has(line.id)));
        // Orders before shipments, as everywhere: lock the orders of the short shipments, in id order.
        const orderStates = await loadOrders(
          tx,
          [...new Set(shortShipments.map((state) => state.shipment.orderId))],
          { lock: true },
        );
        const events: NewEvent[] = [];
        for (const order of orderStates) {
          let current = order;
          for (const peek of shortShipments.filter((s) => s.shipment.orderId === order.order.id)) {
            const [state] = await loadShipments(tx, [peek.shipment.id], { lock: true });
            if (state?.shipment.status !== 'picking') {
              continue;
            }
            current = await shipmentService.giveBack(
              tx,
              current,
              state,
              state.lines
                .filter((line) => missing.has(line.id))
                .map((line) => ({
                  shipmentLineId: line.id,
                  quantity: Math.min(line.quantity, missing.get(line.id) ?? 0),
                })),
              { reason: `short pick on pick list ${id}`, writeOff: true, actor: caller.keyId, events },
            );
            short = true;
          }
        }
        await tx.execute(sql`
          UPDATE shipment_lines SET quantity_picked = quantity
           WHERE shipment_id = ANY(${sql.param(batch.map((state) => state.shipment.id))}::uuid[])`);
        const [confirmed] = await tx
          .update(pickLists)
          .set({ status: 'confirmed', items, confirmedAt: clock.now() })
          .where(eq(pickLists.id, id))
          .returning();
        await appendEvents(tx, events);
        return present(tx, confirmed ?? row);
      });
      if (short) {
        releaser.nudge();
        stockFreed?.();
      }
      return view;
    },
  };
}
