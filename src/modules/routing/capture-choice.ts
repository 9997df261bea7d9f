import type { Plan } from '../allocation/index.js';
import {
  assignIncoming,
  type CaptureChoice,
  type ChoiceInput,
  coveredUnits,
  freeIncoming,
  type IncomingCover,
  partsOf,
} from '../promising/index.js';
import type { RoutingDeps } from './deps.js';
import { lineDemand } from './line-demand.js';
import { orderPriority } from './priority.js';
import type { RoutingSession } from './session.js';
import { presentPlan, routeUnsaved } from './unsaved.js';

/**
 * What a new order would be promised of incoming stock for what it backorders, as capture works it
 * out: the incoming units its channel may have, less what waiting orders ahead of it (all of its
 * priority or higher, as it would be placed now) were promised, soonest first. The date is null
 * when some backordered unit is left uncovered.
 */
async function incomingFor(
  deps: Pick<RoutingDeps, 'db' | 'clock'>,
  session: RoutingSession,
  input: { channelId: number; priority: number; unfilled: Plan['unfilled'] },
) {
  const now = deps.clock.now();
  const free = await freeIncoming(deps.db, {
    channelId: input.channelId,
    productIds: [...new Set(input.unfilled.map((u) => u.productId))],
    place: { priority: input.priority, placedAt: now, number: null },
    now,
  });
  const covers = assignIncoming(
    input.unfilled.map((u) => ({ ...u, channelId: input.channelId })),
    free,
  );
  const covered = input.unfilled.every((u) => coveredUnits(covers.get(u.key)) >= u.quantity);
  const all: IncomingCover[] = [...covers.values()].flat();
  return { covers: all, date: covered ? session.incomingDeliveryDate(partsOf(all)) : null };
}

/**
 * What capture would reserve for these lines now, and the delivery date it would promise: the same
 * routing as an order captured at this moment, without prices (rules on order value see 0). The
 * caller has read and checked the channel and the products.
 */
export async function captureChoice(deps: RoutingDeps, input: ChoiceInput): Promise<CaptureChoice> {
  const { request, channel, products } = input;
  const demand = lineDemand(request.lines, products);
  const priority = orderPriority(request.service_level, channel.priority);
  const { session, plan, candidates } = await routeUnsaved(deps, {
    channel,
    order: {
      channel: channel.code,
      shipTo: request.destination,
      serviceLevel: request.service_level,
      total: 0,
      currency: 'USD',
      priority,
    },
    products,
    demand,
  });
  const eligible = new Set(
    (session.decision()?.trace.candidates ?? []).flatMap((c) => (c.eligible ? [c.location] : [])),
  );
  const skuOf = new Map(products.map((p) => [p.id, p.sku]));
  const choice: CaptureChoice = {
    eligible: candidates
      .filter((candidate) => eligible.has(candidate.code))
      .map((candidate) => ({
        id: candidate.locationId,
        code: candidate.code,
        available: new Map([...candidate.available].map(([id, units]) => [skuOf.get(id) ?? '', units])),
      })),
    chosen: null,
  };
  // A channel that backorders waits for what is short: the order is promised from incoming stock.
  const incoming =
    channel.allowBackorders && plan.unfilled.length > 0
      ? await incomingFor(deps, session, { channelId: channel.id, priority, unfilled: plan.unfilled })
      : undefined;
  if (plan.allocations.length === 0 && !incoming?.covers.length) {
    return choice;
  }
  const { locations, unfilled } = await presentPlan(deps, plan, products);
  return {
    ...choice,
    chosen: {
      locations,
      delivery_date: incoming ? incoming.date : session.promisedDeliveryDate(plan),
      unfilled,
      ...(incoming
        ? {
            incoming: incoming.covers.map(({ units, quantity }) => ({
              location: units.location,
              inbound_shipment: units.inboundShipment,
              reference: units.reference,
              expected_date: units.expectedDate,
              sku: skuOf.get(units.productId) ?? '',
              quantity,
            })),
          }
        : {}),
    },
  };
}
