import { inTransaction } from '../../db/transaction.js';
import { callAdmin } from './admin-call.js';
import { allConnectors, type ConnectorRow } from './connector-store.js';
import type { ConnectorDeps } from './deps.js';
import {
  claimDue,
  collectShipped,
  type FulfilmentRow,
  lockFulfilmentCursor,
  markAttemptFailed,
  markCreated,
  postpone,
} from './fulfilment-store.js';
import {
  carrierName,
  fulfillmentCreateMutation,
  fulfillmentOrdersQuery,
  type OrderFulfillments,
  planFulfillment,
} from './shopify-fulfilment.js';

const eventsPerPass = 2000;
const rowsPerRun = 50;
/** Bucket points each call is assumed to need. */
const callCost = 20;
/** A row Shopify kept refusing with a retryable answer is given up after this many attempts. */
const maxAttempts = 25;

/** Shipped shipments of Shopify orders become pending fulfilments (cursor moved in the same transaction). */
export async function collectFulfilments(deps: Pick<ConnectorDeps, 'db'>): Promise<number> {
  let added = 0;
  for (const connector of await allConnectors(deps.db)) {
    added += await inTransaction(deps.db, async (tx) => {
      const cursor = await lockFulfilmentCursor(tx, connector.channelId);
      if (cursor === undefined) {
        return 0;
      }
      return (await collectShipped(tx, connector, cursor, eventsPerPass)).added;
    });
  }
  return added;
}

/** Creates every connector's due fulfilments in Shopify; returns how many were created. */
export async function pushFulfilments(deps: ConnectorDeps): Promise<number> {
  let created = 0;
  for (const connector of await allConnectors(deps.db)) {
    const rows = await claimDue(deps.db, connector.channelId, deps.clock.now(), rowsPerRun);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as FulfilmentRow;
      const outcome = await createOne(deps, connector, row);
      if (outcome.kind === 'created') {
        created++;
      }
      if (outcome.waitSeconds > 0) {
        // Shopify asked to wait (or the bucket is low): the rest of the claim waits as long.
        const until = new Date(deps.clock.now().getTime() + Math.ceil(outcome.waitSeconds * 1000));
        const untried = rows.slice(i + 1).map((r) => r.shipmentId);
        const tried = outcome.kind === 'retry' ? row.shipmentId : null;
        await postpone(deps.db, { tried, untried }, until, outcome.kind === 'retry' ? outcome.error : null);
        break;
      }
    }
  }
  return created;
}

type Outcome =
  | { kind: 'created' | 'failed'; waitSeconds: number }
  | { kind: 'retry'; error: string; waitSeconds: number };

/** One shipment: find the open fulfillment orders, skip it when Shopify has it already, else create it. */
async function createOne(deps: ConnectorDeps, connector: ConnectorRow, row: FulfilmentRow): Promise<Outcome> {
  const giveUp = async (error: string): Promise<Outcome> => {
    await markAttemptFailed(deps.db, row.shipmentId, error, null);
    deps.log.warn(
      { channel: connector.channel, shipment: row.shipmentId, reason: error },
      'shopify fulfilment failed',
    );
    return { kind: 'failed', waitSeconds: 0 };
  };
  const retry = async (error: string, waitSeconds: number): Promise<Outcome> => {
    if (row.attempts >= maxAttempts) {
      return giveUp(`gave up after ${row.attempts} attempts: ${error}`);
    }
    return { kind: 'retry', error, waitSeconds: Math.max(1, waitSeconds) };
  };
  const found = await callAdmin(
    deps,
    connector,
    fulfillmentOrdersQuery,
    { id: `gid://shopify/Order/${row.shopifyOrderId}` },
    callCost,
  );
  if (found.kind === 'retry') {
    return retry(found.error, found.waitSeconds);
  }
  const order = found.data.order as OrderFulfillments | null;
  const plan = planFulfillment(order, row);
  if (plan.kind === 'exists') {
    await markCreated(deps.db, row.shipmentId, plan.fulfillmentId);
    return { kind: 'created', waitSeconds: found.waitSeconds };
  }
  if (plan.kind === 'impossible') {
    return giveUp(plan.reason);
  }
  const fulfillment = {
    lineItemsByFulfillmentOrder: plan.lineItemsByFulfillmentOrder,
    notifyCustomer: true,
    trackingInfo: {
      company: carrierName(row.carrier),
      number: row.trackingNumber,
      url: row.trackingUrl,
    },
  };
  const made = await callAdmin(deps, connector, fulfillmentCreateMutation, { fulfillment }, callCost);
  if (made.kind === 'retry') {
    return retry(made.error, made.waitSeconds);
  }
  const result = made.data.fulfillmentCreate as {
    fulfillment?: { id: string } | null;
    userErrors?: Array<{ message: string }>;
  } | null;
  const userError = result?.userErrors?.map((e) => e.message).join('; ');
  if (userError || !result?.fulfillment) {
    return giveUp(`Shopify refused the fulfilment: ${userError || 'no fulfilment returned'}`);
  }
  await markCreated(deps.db, row.shipmentId, result.fulfillment.id);
  return { kind: 'created', waitSeconds: made.waitSeconds };
}
