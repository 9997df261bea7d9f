/** What one request of a load got (`request` is its n, as `send` saw it): a response, or none at all. */
export type Outcome = { request: number } & (
  | { status: number; retryAfter: string | null; contentType: string | null; body: Record<string, unknown> }
  | { status: 'no response'; error: string }
);

export interface Load {
  /** Every outcome so far, in the order they arrived (not the order they were sent). */
  outcomes: Outcome[];
  /** How many outcomes so far have this status. */
  count(status: number | 'no response', from?: number): number;
  /** Stops sending and waits for the requests under way. */
  stop(): Promise<void>;
}

/**
 * Keeps `concurrency` requests under way, one after another on each lane, until stopped: `send(n)`
 * sends the n-th request. For faults injected under load; nothing waits on the clock.
 */
export function startLoad(send: (n: number) => Promise<Response>, concurrency: number): Load {
  const outcomes: Outcome[] = [];
  let stopped = false;
  let sent = 0;
  const lane = async () => {
    while (!stopped) {
      const request = sent++;
      try {
        const res = await send(request);
        const text = await res.text();
        outcomes.push({
          request,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          contentType: res.headers.get('content-type'),
          body: text ? JSON.parse(text) : {},
        });
      } catch (err) {
        outcomes.push({ request, status: 'no response', error: String(err) });
      }
    }
  };
  const lanes = Array.from({ length: concurrency }, lane);
  return {
    outcomes,
    count: (status, from = 0) => outcomes.slice(from).filter((outcome) => outcome.status === status).length,
    async stop() {
      stopped = true;
      await Promise.all(lanes);
    },
  };
}

/** Calls a running Ordo (`base`) with an API key, as a client would: JSON in, the raw Response out. */
export const apiOf =
  (base: string, key: string) =>
  (method: string, url: string, body?: object): Promise<Response> =>
    fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
