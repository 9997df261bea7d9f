import type { CaptureChoice, ChoiceInput } from '../promising/index.js';
import type { RoutingDeps } from './deps.js';
import { orderPriority } from './priority.js';
import { presentPlan, routeUnsaved } from './unsaved.js';

/**
 * What capture would reserve for these lines now, and the delivery date it would promise: the same
 * routing as an order captured at this moment, without prices (rules on order value see 0). The
 * caller has read and checked the channel and the products.
 */
export async function captureChoice(deps: RoutingDeps, input: ChoiceInput): Promise<CaptureChoice> {
  const { request, channel, products } = input;
  const idOf = new Map(products.map((p) => [p.sku, p.id]));
  const demand = request.lines.map((line, i) => ({
    key: i,
    productId: idOf.get(line.sku) ?? 0,
    quantity: line.quantity,
  }));
  const { session, plan, candidates } = await routeUnsaved(deps, {
    channel,
    order: {
      channel: channel.code,
      shipTo: request.destination,
      serviceLevel: request.service_level,
      total: 0,
      currency: 'USD',
      priority: orderPriority(request.service_level, channel.priority),
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
  if (plan.allocations.length === 0) {
    return choice;
  }
  const { locations, unfilled } = await presentPlan(deps, plan, products);
  return { ...choice, chosen: { locations, delivery_date: session.promisedDeliveryDate(plan), unfilled } };
}
