import { request } from 'undici';

/**
 * Shopify's Admin GraphQL API, as much as the connector uses: the inventory items of SKUs and
 * `inventorySetQuantities`. Every call has a connect and a total timeout; retries belong to the
 * pusher (it keeps its rows), not to the call.
 */

export interface AdminTarget {
  origin: string;
  apiVersion: string;
  accessToken: string;
  timeoutMs: number;
}

/**
 * What a call came to: data; or why Shopify refused and when it asked to be called again; or no usable
 * answer at all (a 5xx, or unreachable), where how long to wait depends on how many failed in a row.
 */
export type CallOutcome =
  | { kind: 'ok'; data: Record<string, unknown>; waitSeconds: number }
  | { kind: 'retry'; error: string; waitSeconds: number }
  | { kind: 'unavailable'; error: string };

interface GraphqlBody {
  data?: Record<string, unknown>;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
  extensions?: {
    cost?: {
      requestedQueryCost?: number;
      throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
    };
  };
}

/** Seconds until the bucket holds `needed` points again (0 when it already does). */
function bucketWait(body: GraphqlBody, needed: number): number {
  const status = body.extensions?.cost?.throttleStatus;
  if (!status || status.restoreRate <= 0) {
    return 0;
  }
  const want = Math.min(needed, status.maximumAvailable);
  return status.currentlyAvailable >= want ? 0 : (want - status.currentlyAvailable) / status.restoreRate;
}

const retryAfter = (value: string | string[] | undefined) => {
  const raw = Array.isArray(value) ? value[0] : value;
  const seconds = raw !== undefined && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : 2;
  return Math.min(300, Math.max(0.1, seconds));
};

/** One GraphQL call; `nextCost` is what the caller's next call will need from the bucket. */
export async function graphql(
  target: AdminTarget,
  query: string,
  variables: Record<string, unknown>,
  nextCost: number,
): Promise<CallOutcome> {
  const url = `${target.origin}/admin/api/${target.apiVersion}/graphql.json`;
  let status: number;
  let text: string;
  let headers: Record<string, string | string[] | undefined>;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': target.accessToken },
      body: JSON.stringify({ query, variables }),
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    status = response.statusCode;
    headers = response.headers;
    text = await response.body.text();
  } catch (err) {
    const error = err as { code?: string; name?: string; message?: string };
    return { kind: 'unavailable', error: `Shopify unreachable: ${error.code ?? error.name ?? 'error'}` };
  }
  if (status === 429) {
    return { kind: 'retry', error: 'Shopify answered 429', waitSeconds: retryAfter(headers['retry-after']) };
  }
  if (status >= 500) {
    return { kind: 'unavailable', error: `Shopify answered ${status}` };
  }
  let body: GraphqlBody;
  try {
    body = JSON.parse(text) as GraphqlBody;
  } catch {
    return { kind: 'retry', error: `Shopify answered ${status} without JSON`, waitSeconds: 30 };
  }
  if (status >= 400) {
    return {
      kind: 'retry',
      error: `Shopify answered ${status} (check the access token and scopes)`,
      waitSeconds: 60,
    };
  }
  const throttled = body.errors?.some((error) => error.extensions?.code === 'THROTTLED');
  if (throttled) {
    const requested = body.extensions?.cost?.requestedQueryCost ?? nextCost;
    return {
      kind: 'retry',
      error: 'Shopify throttled the call',
      waitSeconds: Math.max(1, bucketWait(body, requested)),
    };
  }
  if (body.errors?.length || !body.data) {
    const message = body.errors?.map((error) => error.message ?? 'error').join('; ') ?? 'no data';
    return { kind: 'retry', error: `Shopify refused the call: ${message}`.slice(0, 500), waitSeconds: 60 };
  }
  return { kind: 'ok', data: body.data, waitSeconds: bucketWait(body, nextCost) };
}

export const inventoryItemsQuery = `query InventoryItems($query: String!, $first: Int!) {
  inventoryItems(first: $first, query: $query) { nodes { id sku } }
}`;

export const setQuantitiesMutation = `mutation SetAvailable($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}`;

/** Shopify's search syntax for "any of these SKUs" (quoted, quotes and backslashes escaped). */
export const skuQuery = (skus: string[]) =>
  skus.map((sku) => `sku:"${sku.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(' OR ');
