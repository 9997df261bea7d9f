import { Agent, request } from 'undici';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { guardedLookup, outgoingUrlProblem } from '../../http/url-guard.js';
import type { Job } from './claim.js';
import { signedHeaders } from './signing.js';

/** What one attempt came to: a response, or why none came. */
export interface Outcome {
  startedAt: Date;
  durationMs: number;
  status: number | null;
  error: string | null;
  excerpt: string | null;
  /** Seconds the receiver asked to wait (429/503 `Retry-After`). */
  retryAfter: number | null;
}

type AttemptConfig = Pick<Config, 'webhookTimeoutMs' | 'webhookAllowPrivate'>;

const excerptBytes = 1024;
const drainBytes = 128 * 1024;
const maxRetryAfterSeconds = 86_400;

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | string[] | undefined, now: Date): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') {
    return null;
  }
  const seconds = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : (Date.parse(raw) - now.getTime()) / 1000;
  return Number.isFinite(seconds) ? Math.min(maxRetryAfterSeconds, Math.max(0, seconds)) : null;
}

/**
 * The body's first bytes, for the delivery log. The rest is read and dropped, up to `drainBytes`, so
 * the connection goes back to the pool for the next attempt; a larger body costs its connection.
 */
async function readExcerpt(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < excerptBytes) {
      chunks.push(chunk);
    }
    size += chunk.length;
    if (size > drainBytes) {
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, excerptBytes).toString('utf8');
}

const describeError = (err: unknown): string => {
  const error = err as { name?: string; code?: string; message?: string; cause?: unknown };
  if (
    error.name === 'TimeoutError' ||
    error.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    error.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return 'timed out';
  }
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const text = [error.code ?? cause?.code, error.message ?? cause?.message].filter(Boolean).join(': ');
  return (text || 'request failed').slice(0, 500);
};

/**
 * The connection pool of the deliveries: connecting times out like the attempt, and unless the
 * operator allowed private addresses, a host name that resolves to one is refused as it connects.
 */
export function createDeliveryAgent(config: AttemptConfig): Agent {
  return new Agent({
    connect: {
      timeout: config.webhookTimeoutMs,
      ...(config.webhookAllowPrivate ? {} : { lookup: guardedLookup }),
    },
    keepAliveTimeout: 4000,
  });
}

/** One signed POST of the job's event, under the total timeout; never throws. */
export async function attempt(
  { agent, clock, config }: { agent: Agent; clock: Clock; config: AttemptConfig },
  job: Job,
): Promise<Outcome> {
  const timeoutMs = config.webhookTimeoutMs;
  const startedAt = clock.now();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string): Outcome => ({
    startedAt,
    durationMs: elapsed(),
    status: null,
    error,
    excerpt: null,
    retryAfter: null,
  });
  // Checked before every delivery, not only at registration; the agent's lookup checks resolved hosts.
  const refused = await outgoingUrlProblem(job.url, config.webhookAllowPrivate, { resolve: false });
  if (refused) {
    return failed(`URL refused: it ${refused}`);
  }
  try {
    const response = await request(job.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Ordo-Webhooks/1.0',
        ...signedHeaders(job.secrets, job.eventId, startedAt, job.body),
      },
      body: job.body,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const excerpt = await readExcerpt(response.body);
    const status = response.statusCode;
    return {
      startedAt,
      durationMs: elapsed(),
      status,
      error: null,
      excerpt,
      retryAfter:
        status === 429 || status === 503
          ? retryAfterSeconds(response.headers['retry-after'], clock.now())
          : null,
    };
  } catch (err) {
    return failed(describeError(err));
  }
}
