import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { runAs } from '../../actor.js';
import { AppError } from '../../errors.js';
import { type ConnectorRow, findConnector } from './connector-store.js';
import type { DeliveryResult } from './connectors.schemas.js';
import type { ConnectorDeps } from './deps.js';
import { keepInInbox, recordApplied, wasApplied } from './inbox-store.js';
import { applyChange, applyCreate } from './shopify-apply.js';
import { UnreadableDelivery } from './shopify-money.js';

/** Shopify's delivery headers, as the route received them (lower-case names). */
export type DeliveryHeaders = Record<string, string | string[] | undefined>;

const topics = new Set(['orders/create', 'orders/updated', 'orders/cancelled']);

const header = (headers: DeliveryHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' && value.length <= 512 ? value : undefined;
};

/** base64 HMAC-SHA256 of the raw body with the webhook secret, compared in constant time. */
export function validHmac(secret: string, body: Buffer, given: string | undefined): boolean {
  if (given === undefined || secret === '') {
    return false;
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  const received = Buffer.from(given, 'base64');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

const unauthorized = () =>
  new AppError('unauthorized', 'The X-Shopify-Hmac-Sha256 signature is missing or does not match the body');

/**
 * One webhook delivery: authenticated before anything is read, applied once per Shopify event (a
 * repeat changes nothing), and never refused for its content: what cannot be read is kept in the
 * inbox and answered 200, so Shopify does not retry it for hours.
 */
export async function receiveDelivery(
  deps: ConnectorDeps,
  channel: string,
  headers: DeliveryHeaders,
  body: Buffer,
  requestId: string,
): Promise<DeliveryResult> {
  const connector = await findConnector(deps.db, channel);
  if (!connector || !validHmac(connector.webhookSecret, body, header(headers, 'x-shopify-hmac-sha256'))) {
    throw unauthorized();
  }
  const actor = {
    type: 'connector',
    id: connector.id,
    name: `shopify:${connector.shopDomain}`,
    request_id: requestId,
  } as const;
  return runAs(actor, () => apply(deps, connector, headers, body));
}

async function apply(
  deps: ConnectorDeps,
  connector: ConnectorRow,
  headers: DeliveryHeaders,
  body: Buffer,
): Promise<DeliveryResult> {
  const topic = header(headers, 'x-shopify-topic') ?? '';
  const webhookId = header(headers, 'x-shopify-webhook-id') ?? null;
  const deliveryKey =
    header(headers, 'x-shopify-event-id') ?? webhookId ?? createHash('sha256').update(body).digest('hex');
  const { channelId } = connector;
  if (await wasApplied(deps.db, channelId, deliveryKey)) {
    return { outcome: 'duplicate', order_id: null };
  }
  let result: DeliveryResult;
  try {
    if (!topics.has(topic)) {
      result = { outcome: 'ignored', order_id: null };
    } else {
      const parsed = parse(body);
      result =
        topic === 'orders/create'
          ? await applyCreate(deps, connector, parsed)
          : await applyChange(deps, connector, parsed, topic as 'orders/updated' | 'orders/cancelled');
    }
  } catch (err) {
    if (!(err instanceof UnreadableDelivery)) {
      throw err;
    }
    const id = await keepInInbox(deps.db, {
      channelId,
      topic: topic || null,
      webhookId,
      reason: err.message,
      body,
    });
    deps.log.warn(
      { connector: connector.id, channel: connector.channel, topic, inbox: id, reason: err.message },
      'a Shopify delivery could not be read; it is in the connector inbox',
    );
    result = { outcome: 'inbox', order_id: null };
  }
  await recordApplied(deps.db, {
    channelId,
    deliveryKey,
    topic: topic.slice(0, 100),
    outcome: result.outcome,
  });
  return result;
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new UnreadableDelivery('the body is not valid JSON');
  }
}
