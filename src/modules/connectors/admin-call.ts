import { type ConnectorRow, recordAdminFailure, recordAdminSuccess } from './connector-store.js';
import type { ConnectorDeps } from './deps.js';
import { type CallOutcome, graphql } from './shopify-admin.js';

/** The first wait after a 5xx or no answer, and the longest: it doubles in between. */
const firstBackoffSeconds = 5;
const maxBackoffSeconds = 300;

/**
 * Seconds to wait after the `failures`-th 5xx (or unanswered call) in a row: 5 s doubling, ±20% so
 * replicas and stores that failed together do not all call again at the same instant, never over 5 min.
 */
export function backoffSeconds(failures: number, random: () => number = Math.random): number {
  const base = firstBackoffSeconds * 2 ** Math.min(16, Math.max(0, failures - 1));
  return Math.min(maxBackoffSeconds, base * (0.8 + random() * 0.4));
}

export type AdminOutcome = Exclude<CallOutcome, { kind: 'unavailable' }>;

/**
 * One Admin API call for the connector's store. A 5xx or no answer counts as one more failure in a
 * row (kept on the connector, so the stock and fulfilment pushes back off together and a restart does
 * not start over) and waits exponentially longer; a successful call ends the run of failures.
 * THROTTLED and 429 wait as long as Shopify asked, and neither end nor extend the run.
 */
export async function callAdmin(
  deps: Pick<ConnectorDeps, 'db' | 'adminOrigin' | 'timeoutMs'>,
  connector: ConnectorRow,
  query: string,
  variables: Record<string, unknown>,
  nextCost: number,
): Promise<AdminOutcome> {
  const target = {
    origin: deps.adminOrigin(connector.shopDomain),
    apiVersion: connector.apiVersion,
    accessToken: connector.accessToken,
    timeoutMs: deps.timeoutMs,
  };
  const outcome = await graphql(target, query, variables, nextCost);
  if (outcome.kind === 'unavailable') {
    const failures = await recordAdminFailure(deps.db, connector.channelId);
    return { kind: 'retry', error: outcome.error, waitSeconds: backoffSeconds(failures) };
  }
  if (outcome.kind === 'ok') {
    await recordAdminSuccess(deps.db, connector.channelId);
  }
  return outcome;
}
