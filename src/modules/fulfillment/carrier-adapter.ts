import { Agent, type Dispatcher, request } from 'undici';
import { AppError } from '../../errors.js';
import { guardedLookup } from '../../http/url-guard.js';
import type { Address } from '../addresses/index.js';

/**
 * How a shipment gets its tracking number: the built-in rate-card carrier makes UPU S10 numbers from
 * a database sequence; an HTTP carrier buys a label from the carrier's API. Network calls happen
 * outside any database transaction (the caller's job); retries belong to the caller, and the
 * idempotency key makes a retried call safe.
 */

export interface LabelRequest {
  shipment_id: string;
  shipment_number: string;
  order_number: number;
  carrier: string;
  service: string;
  ship_from: Address;
  ship_to: Address;
  weight_grams: number;
}

export interface Label {
  tracking_number: string;
  tracking_url: string | null;
}

export interface CarrierAdapter {
  createLabel(request: LabelRequest): Promise<Label>;
}

const s10Weights = [8, 6, 4, 2, 3, 5, 9, 7];

/** The UPU S10 check digit of an 8-digit serial number (weights 8 6 4 2 3 5 9 7, modulus 11). */
export function s10CheckDigit(serial: string): number {
  if (!/^\d{8}$/.test(serial)) {
    throw new RangeError(`an S10 serial number has 8 digits, not "${serial}"`);
  }
  const sum = [...serial].reduce((total, digit, i) => total + Number(digit) * (s10Weights[i] ?? 0), 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

/** Whether a string is a well-formed S10 number with a correct check digit. */
export function isS10(trackingNumber: string): boolean {
  const match = /^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$/.exec(trackingNumber);
  return match !== null && s10CheckDigit(match[1] ?? '') === Number(match[2]);
}

/** `CP` is the S10 service indicator for parcels. */
const parcelService = 'CP';

/**
 * The built-in carrier: tracking numbers in the UPU S10 format (`CP` + 8-digit serial + check digit +
 * country). Serials come from `nextSerial` (the `tracking_serial_seq` sequence) and wrap after
 * 99,999,999. There is no carrier website to track on, so `tracking_url` is null.
 */
export function rateCardCarrier(nextSerial: () => Promise<number>, country = 'US'): CarrierAdapter {
  if (!/^[A-Z]{2}$/.test(country)) {
    throw new RangeError(`the S10 country is 2 capital letters, not "${country}"`);
  }
  return {
    async createLabel() {
      const next = await nextSerial();
      if (!Number.isSafeInteger(next) || next < 0) {
        throw new RangeError(`a tracking serial must be a whole number, not ${next}`);
      }
      const serial = String(next % 100_000_000).padStart(8, '0');
      return {
        tracking_number: `${parcelService}${serial}${s10CheckDigit(serial)}${country}`,
        tracking_url: null,
      };
    },
  };
}

/** Largest carrier response read; a label answer is a few hundred bytes. */
const maxResponseBytes = 64 * 1024;

/** One connection pool per timeout and address policy, shared by every HTTP carrier adapter built with it. */
const agents = new Map<string, Agent>();

function agentFor(timeoutMs: number, allowPrivate: boolean): Agent {
  const key = `${timeoutMs}:${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({
      // Unless allowed, a host name resolving to a private address is refused when connecting.
      connect: { timeout: timeoutMs, ...(allowPrivate ? {} : { lookup: guardedLookup }) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    agents.set(key, agent);
  }
  return agent;
}

const upstream = (carrier: string, detail: string, cause?: unknown) =>
  new AppError('upstream_failed', `Carrier ${carrier} ${detail}`, cause === undefined ? {} : { cause });

/** The label in a carrier's answer, or why it is not one. */
function labelOf(text: string): Label | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'answered with a body that is not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return 'answered with a body that is not a JSON object';
  }
  const { tracking_number, tracking_url } = parsed as Record<string, unknown>;
  if (typeof tracking_number !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(tracking_number)) {
    return 'answered without a valid tracking_number (1-100 printable characters)';
  }
  if (tracking_url === undefined || tracking_url === null) {
    return { tracking_number, tracking_url: null };
  }
  // The URL is shown to customers: only web links, never `javascript:` or the like.
  if (typeof tracking_url !== 'string' || tracking_url.length > 2000 || !/^https?:\/\//i.test(tracking_url)) {
    return 'answered with a tracking_url that is not an http(s) URL';
  }
  try {
    new URL(tracking_url);
  } catch {
    return 'answered with a tracking_url that is not an http(s) URL';
  }
  return { tracking_number, tracking_url };
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxResponseBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A carrier with a label API: `POST {endpoint}/labels` with the LabelRequest as JSON, the token as a
 * bearer credential, and the shipment id as `Idempotency-Key` so a retried ship never buys two
 * labels. A 2xx answer `{ tracking_number, tracking_url? }` is the label; any other status (redirects
 * are not followed), a bad body, a timeout or a network error is an `upstream_failed` AppError (502)
 * naming the carrier, never the token. `timeoutMs` bounds connecting, the headers, the body and the
 * whole call.
 */
export function httpCarrier({
  endpoint,
  apiToken,
  timeoutMs = 10_000,
  allowPrivate = false,
  dispatcher,
}: {
  endpoint: string;
  apiToken: string | null;
  timeoutMs?: number;
  /** Whether the endpoint may resolve to a private, loopback or link-local address (ORDO_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate?: boolean;
  /** Tests and callers with their own pool; by default a pool shared per `timeoutMs`. */
  dispatcher?: Dispatcher;
}): CarrierAdapter {
  const url = new URL('labels', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError('a carrier endpoint must be an http or https URL');
  }
  return {
    async createLabel(label: LabelRequest): Promise<Label> {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, {
          method: 'POST',
          dispatcher: dispatcher ?? agentFor(timeoutMs, allowPrivate),
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'idempotency-key': label.shipment_id,
            ...(apiToken ? { authorization: `Bearer ${apiToken}` } : {}),
          },
          body: JSON.stringify(label),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw upstream(label.carrier, `could not be reached: ${reasonOf(err, timeoutMs)}`, err);
      }
      const { statusCode, body } = response;
      let text: string | undefined;
      try {
        text = await readLimited(body);
      } catch (err) {
        throw upstream(
          label.carrier,
          `answered ${statusCode} but the body failed: ${reasonOf(err, timeoutMs)}`,
          err,
        );
      }
      if (statusCode < 200 || statusCode >= 300) {
        throw upstream(label.carrier, `refused the label request with status ${statusCode}`);
      }
      if (text === undefined) {
        throw upstream(label.carrier, `answered with a body over ${maxResponseBytes} bytes`);
      }
      const result = labelOf(text);
      if (typeof result === 'string') {
        throw upstream(label.carrier, result);
      }
      return result;
    },
  };
}

/** A short reason for a failed call: the timeout, or the error's code (never headers or the token). */
function reasonOf(err: unknown, timeoutMs: number): string {
  const error = err as { name?: string; code?: string };
  if (
    error.name === 'TimeoutError' ||
    error.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    error.code === 'UND_ERR_BODY_TIMEOUT' ||
    error.code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `no answer within ${timeoutMs} ms`;
  }
  return error.code ?? error.name ?? 'network error';
}
