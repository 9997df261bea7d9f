import type { Db } from '../../db/client.js';
import { type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { channelByCode, inactivePartOf, productsWithKitsBySku } from '../catalog/index.js';
import type { RoutingDeps } from './deps.js';
import { lineDemand } from './line-demand.js';
import { orderPriority } from './priority.js';
import type { Simulate, Simulation } from './routing.schemas.js';
import { presentPlan, routeUnsaved } from './unsaved.js';

/** What routing would decide for an unsaved order against current stock; nothing is locked or written. */
export async function simulate(deps: RoutingDeps, input: Simulate, caller: Caller): Promise<Simulation> {
  const { db } = deps;
  const { channel, facts } = await simulatedOrder(db, input, caller);
  const products = [...facts.values()];
  const demand = lineDemand(input.lines, products);
  const { session, plan } = await routeUnsaved(deps, {
    channel,
    order: {
      channel: channel.code,
      shipTo: input.ship_to,
      serviceLevel: input.service_level,
      total: input.lines.reduce((total, line) => total + line.quantity * (line.unit_price ?? 0), 0),
      currency: input.currency ?? 'USD',
      priority: orderPriority(input.service_level, channel.priority),
    },
    products,
    demand,
  });
  const { locations, unfilled } = await presentPlan(deps, plan, products);
  return {
    destination: session.place ?? null,
    plan: locations,
    unfilled,
    trace: (session.decision()?.trace ?? {}) as unknown as Record<string, unknown>,
  };
}

/** The simulated order's channel and products, refusing a channel the key may not see and inactive ones. */
async function simulatedOrder(db: Db, input: Simulate, caller: Caller) {
  if (caller.channel !== null && input.channel !== undefined && input.channel !== caller.channel) {
    throw notFound(`Channel ${input.channel}`);
  }
  const code = input.channel ?? caller.channel;
  const errors: FieldError[] = [];
  if (code === null) {
    errors.push({
      in: 'body',
      pointer: '/channel',
      detail: 'is required for a key not bound to a channel',
    });
  }
  const [channel, facts] = await Promise.all([
    code === null ? undefined : channelByCode(db, code),
    productsWithKitsBySku(
      db,
      input.lines.map((line) => line.sku),
    ),
  ]);
  if (code !== null && !channel?.active) {
    errors.push({ in: 'body', pointer: '/channel', detail: `"${code}" is not an active channel` });
  }
  input.lines.forEach((line, i) => {
    const product = facts.get(line.sku);
    const inactivePart = product?.active ? inactivePartOf(product, facts) : undefined;
    if (!product?.active || inactivePart) {
      errors.push({
        in: 'body',
        pointer: `/lines/${i}/sku`,
        detail: inactivePart
          ? `kit "${line.sku}" contains "${inactivePart.sku}", which is not active`
          : `"${line.sku}" is not an active product`,
      });
    }
  });
  if (!channel || errors.length > 0) {
    throw invalid(errors);
  }
  return { channel, facts };
}
