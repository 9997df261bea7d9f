import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  httpCarrier,
  isS10,
  type LabelRequest,
  rateCardCarrier,
  s10CheckDigit,
} from '../../../src/modules/fulfillment/carrier-adapter.js';
import { waitFor } from '../../helpers/wait.js';

describe('s10CheckDigit', () => {
  it('matches known valid UPU S10 numbers', () => {
    // RR473124829GB is the usual published example; 12345678 gives the widely quoted check digit 5.
    for (const number of ['RR473124829GB', 'RA123456785DE', 'CP000000005US', 'EA123456785US']) {
      expect(isS10(number), number).toBe(true);
    }
    expect(s10CheckDigit('47312482')).toBe(9);
    expect(isS10('RR473124828GB')).toBe(false);
    expect(isS10('RR47312482GB')).toBe(false);
  });

  it('maps 11 - remainder to a digit: 11 becomes 5 and 10 becomes 0', () => {
    expect(s10CheckDigit('00000000')).toBe(5); // sum 0: 11 -> 5
    expect(s10CheckDigit('00000001')).toBe(4); // sum 7: 11 - 7
    expect(s10CheckDigit('00000010')).toBe(2); // sum 9: 11 - 9
    expect(s10CheckDigit('00300000')).toBe(0); // sum 12, remainder 1: 10 -> 0
    expect(s10CheckDigit('10000000')).toBe(3); // sum 8: 11 - 8
  });

  it('refuses serials that are not 8 digits', () => {
    expect(() => s10CheckDigit('1234567')).toThrow(RangeError);
    expect(() => s10CheckDigit('1234567a')).toThrow(RangeError);
  });

  it('detects every single-digit error and adjacent transposition, but for the 0/6 remainders the 11 -> 5 rule joins', () => {
    const weights = [8, 6, 4, 2, 3, 5, 9, 7];
    const remainder = (digits: number[]) => digits.reduce((sum, d, i) => sum + d * (weights[i] ?? 0), 0) % 11;
    // Remainders 0 and 6 both give check digit 5; every other pair of remainders gives different digits.
    const joined = (a: number[], b: number[]) =>
      new Set([remainder(a), remainder(b)]).size === 2 &&
      [0, 6].includes(remainder(a)) &&
      [0, 6].includes(remainder(b));
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{8}$/),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 9 }),
        (serial, position, shift) => {
          const digits = [...serial].map(Number);
          const check = s10CheckDigit(serial);
          expect(check).toBeGreaterThanOrEqual(0);
          expect(check).toBeLessThanOrEqual(9);
          const changed = [...digits];
          changed[position] = ((digits[position] ?? 0) + shift) % 10;
          expect(s10CheckDigit(changed.join('')) === check).toBe(joined(digits, changed));
          if (position < 7 && digits[position] !== digits[position + 1]) {
            const swapped = [...digits];
            [swapped[position], swapped[position + 1]] = [digits[position + 1] ?? 0, digits[position] ?? 0];
            expect(s10CheckDigit(swapped.join('')) === check).toBe(joined(digits, swapped));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

const address = { line1: '1 Main St', city: 'Edison', region: 'NJ', postal_code: '08837', country: 'US' };

const labelRequest = (fields: Partial<LabelRequest> = {}): LabelRequest => ({
  shipment_id: '6f1c1a52-7b7e-4d8a-9a53-1c0f0b7f2a10',
  shipment_number: '100042-1',
  order_number: 100042,
  carrier: 'acme',
  service: 'ground',
  ship_from: address,
  ship_to: { ...address, name: 'Ada Lovelace', city: 'New York', region: 'NY', postal_code: '10118' },
  weight_grams: 1250,
  ...fields,
});

describe('rateCardCarrier', () => {
  it('issues S10 numbers from the serial sequence', async () => {
    const serials = [10_000_001, 10_000_002, 123_456_789];
    const carrier = rateCardCarrier(async () => serials.shift() ?? 0);
    const first = await carrier.createLabel(labelRequest());
    expect(first).toEqual({
      tracking_number: `CP10000001${s10CheckDigit('10000001')}US`,
      tracking_url: null,
    });
    expect((await carrier.createLabel(labelRequest())).tracking_number).toMatch(/^CP10000002\dUS$/);
    // Serials wrap after 8 digits.
    expect((await carrier.createLabel(labelRequest())).tracking_number).toMatch(/^CP23456789\dUS$/);
  });

  it('makes valid numbers for any serial and country', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.stringMatching(/^[A-Z]{2}$/),
        async (serial, country) => {
          const { tracking_number } = await rateCardCarrier(async () => serial, country).createLabel(
            labelRequest(),
          );
          expect(isS10(tracking_number)).toBe(true);
          expect(tracking_number.endsWith(country)).toBe(true);
        },
      ),
    );
  });

  it('refuses a bad country or serial', async () => {
    expect(() => rateCardCarrier(async () => 1, 'usa')).toThrow(RangeError);
    await expect(rateCardCarrier(async () => -1).createLabel(labelRequest())).rejects.toThrow(RangeError);
  });
});

/** A fake carrier API: records what it received and answers as the test says. */
interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let received: Received[] = [];
let answer: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
});

const json = (status: number, value: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
};

const token = 'sk_live_very_secret_token';

/** The AppError a failed label request rejects with. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const error = err as AppError;
  expect(error.code).toBe('upstream_failed');
  expect(error.message).toContain('acme');
  expect(error.message).not.toContain(token);
  return error;
}

describe('httpCarrier', () => {
  it('posts the label request and returns the tracking number and URL', async () => {
    answer = json(201, {
      tracking_number: '1Z999AA10123456784',
      tracking_url: 'https://acme.example/t/1Z999',
    });
    const carrier = httpCarrier({ endpoint: `${base}/api/v2`, apiToken: token });
    const request = labelRequest();
    expect(await carrier.createLabel(request)).toEqual({
      tracking_number: '1Z999AA10123456784',
      tracking_url: 'https://acme.example/t/1Z999',
    });
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe('/api/v2/labels');
    expect(call?.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'idempotency-key': request.shipment_id,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(JSON.parse(call?.body ?? '')).toEqual(request);
  });

  it('sends the same idempotency key when a ship is retried, and no authorization without a token', async () => {
    answer = json(200, { tracking_number: 'ABC123' });
    const carrier = httpCarrier({ endpoint: `${base}/`, apiToken: null });
    const request = labelRequest({ shipment_id: 'd2a4c7e0-0000-4000-8000-000000000001' });
    expect(await carrier.createLabel(request)).toEqual({ tracking_number: 'ABC123', tracking_url: null });
    await carrier.createLabel(request);
    expect(received.map((r) => r.url)).toEqual(['/labels', '/labels']);
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual([
      request.shipment_id,
      request.shipment_id,
    ]);
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it('turns an error status into a 502 naming the carrier and the status', async () => {
    answer = json(500, { error: 'boom' });
    const error = await failure(httpCarrier({ endpoint: base, apiToken: token }).createLabel(labelRequest()));
    expect(error.message).toBe('Carrier acme refused the label request with status 500');
    answer = json(401, { error: 'bad token' });
    expect(
      (await failure(httpCarrier({ endpoint: base, apiToken: token }).createLabel(labelRequest()))).message,
    ).toContain('401');
  });

  it('does not follow redirects', async () => {
    answer = (_req, res) => {
      res.writeHead(302, { location: `${base}/elsewhere` });
      res.end();
    };
    const error = await failure(httpCarrier({ endpoint: base, apiToken: token }).createLabel(labelRequest()));
    expect(error.message).toContain('302');
    expect(received.map((r) => r.url)).toEqual(['/labels']);
  });

  it('refuses a body that is not JSON or not a label', async () => {
    const carrier = httpCarrier({ endpoint: base, apiToken: token });
    const cases: Array<[string, string]> = [
      ['<html>oops</html>', 'not JSON'],
      ['[1, 2]', 'not a JSON object'],
      ['{}', 'tracking_number'],
      ['{"tracking_number": 42}', 'tracking_number'],
      ['{"tracking_number": "has space"}', 'tracking_number'],
      ['{"tracking_number": "OK1", "tracking_url": "javascript:alert(1)"}', 'tracking_url'],
      ['{"tracking_number": "OK1", "tracking_url": 7}', 'tracking_url'],
    ];
    for (const [body, expected] of cases) {
      answer = json(200, body);
      expect((await failure(carrier.createLabel(labelRequest()))).message, body).toContain(expected);
    }
  });

  it('refuses an oversized answer', async () => {
    answer = json(200, { tracking_number: 'OK1', padding: 'x'.repeat(100_000) });
    expect(
      (await failure(httpCarrier({ endpoint: base, apiToken: token }).createLabel(labelRequest()))).message,
    ).toContain('bytes');
  });

  it('gives up on a slow carrier after the timeout', async () => {
    // The carrier holds its answer: whatever the call ends with, it did not wait for the carrier.
    let dropped = false;
    answer = (_req, res) => {
      res.on('close', () => {
        dropped = true;
      });
    };
    const error = await failure(
      httpCarrier({ endpoint: base, apiToken: token, timeoutMs: 200 }).createLabel(labelRequest()),
    );
    expect(error.message).toContain('no answer within 200 ms');
    expect(received).toHaveLength(1);
    // It hung up on the carrier too, so a late answer has nowhere to go.
    await waitFor(() => dropped, { what: 'the carrier adapter to drop the connection it gave up on' });
  });

  it('gives up on a carrier that sends headers but stalls the body', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"tracking_number":');
    };
    const error = await failure(
      httpCarrier({ endpoint: base, apiToken: token, timeoutMs: 200 }).createLabel(labelRequest()),
    );
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('reports a carrier that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      httpCarrier({ endpoint: `http://127.0.0.1:${port}`, apiToken: token }).createLabel(labelRequest()),
    );
    expect(error.message).toContain('could not be reached');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses an endpoint that is not http(s)', () => {
    expect(() => httpCarrier({ endpoint: 'ftp://acme.example', apiToken: null })).toThrow(RangeError);
  });
});
