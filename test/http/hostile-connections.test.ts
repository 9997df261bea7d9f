import net, { type AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers too large, a malformed
 * request, headers that arrive too slowly) is answered as problem+json like every other error; slow
 * and idle clients are disconnected on the server's own schedule and never stop /readyz, /healthz or
 * order capture from answering. Real sockets: this is about connections.
 */

let t: TestApp;
let port: number;
const agent = new Agent({ connections: 50 });

beforeAll(async () => {
  t = await createTestApp({ config: { headersTimeoutMs: 1000, requestTimeoutMs: 5000 } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await agent.close();
  await t.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(raw: string): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) {
    return undefined;
  }
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

/** A connection that sends `data` (then, with `drip`, a header line every 100 ms) and collects the answer. */
function connect(data: string, options: { drip?: boolean } = {}) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    clearInterval(timer);
  });
  socket.on('connect', () => {
    if (data) {
      socket.write(data);
    }
    if (options.drip) {
      let n = 0;
      timer = setInterval(() => socket.writable && socket.write(`x-slow-${n++}: y\r\n`), 100);
    }
  });
  return {
    closed: () => closed,
    response: () => parse(received),
    destroy: () => socket.destroy(),
  };
}

/** Asserts a raw answer is an RFC 9457 problem with this status and code. */
function expectRawProblem(response: RawResponse | undefined, status: number, code: string) {
  expect(response?.status, JSON.stringify(response)).toBe(status);
  expect(response?.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(response?.body ?? '{}');
  expect(body).toEqual({
    type: `https://ordo.dev/problems/${code}`,
    title: expect.any(String),
    status,
    detail: expect.any(String),
    instance: expect.stringMatching(/^\//),
    code,
    request_id: response?.headers['x-request-id'],
  });
  return body;
}

const get = (url: string, key: string | null = t.adminKey) =>
  request(`http://127.0.0.1:${port}${url}`, {
    dispatcher: agent,
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

describe('errors of the HTTP layer itself', () => {
  it('answers headers too large with a 431 problem and closes the connection', async () => {
    const client = connect(`GET /v1/orders HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await waitFor(() => client.closed(), { what: 'the server to close the connection' });
    const body = expectRawProblem(client.response(), 431, 'headers_too_large');
    expect(body.instance).toBe('/v1/orders');
  });

  it.each([
    ['a header without a colon', 'GET /v1/orders HTTP/1.1\r\nhost: x\r\nnot a header\r\n\r\n'],
    ['a malformed request line', 'GET\r\n\r\n'],
    ['a method that does not exist', 'BR3W /v1/orders HTTP/1.1\r\nhost: x\r\n\r\n'],
    [
      'two content lengths',
      'POST /v1/orders HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab',
    ],
    [
      'a body shorter than chunked framing says',
      'POST /v1/orders HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
    ],
  ])('answers %s with a 400 problem', async (_what, raw) => {
    const client = connect(raw);
    await waitFor(() => client.closed(), { what: 'the server to close the connection' });
    expectRawProblem(client.response(), 400, 'bad_request');
  });
});

describe('slow and idle clients', () => {
  it('disconnects a client whose headers trickle in with a 408 problem, while /readyz answers', async () => {
    const slow = connect('GET /v1/orders HTTP/1.1\r\nhost: x\r\n', { drip: true });
    await waitFor(async () => (await connections()) >= 1, { what: 'the slow client to connect' });
    const ready = await get('/readyz', null);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    await waitFor(() => slow.closed(), { what: 'the server to drop the slow client', timeoutMs: 15_000 });
    expectRawProblem(slow.response(), 408, 'request_timeout');
  });

  it('stays ready and takes orders with 1,000 idle and 20 slow connections open, then drops them', async () => {
    const channel = (await makeChannel(t)).code;
    const location = (await makeLocation(t)).code;
    const sku = await stocked(t, { [location]: 10 });
    const idle = Array.from({ length: 1000 }, () => connect(''));
    const slow = Array.from({ length: 20 }, () =>
      connect('POST /v1/orders HTTP/1.1\r\nhost: x\r\n', { drip: true }),
    );
    try {
      await waitFor(async () => (await connections()) >= 1020, { what: 'every connection to open' });
      for (const url of ['/healthz', '/readyz']) {
        const res = await get(url, null);
        expect(res.statusCode, url).toBe(200);
        await res.body.dump();
      }
      const capture = await request(`http://127.0.0.1:${port}/v1/orders`, {
        dispatcher: agent,
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(orderBody(channel, [{ sku, quantity: 1 }])),
      });
      expect(capture.statusCode).toBe(201);
      await capture.body.dump();
      // The server ends them on its own: none is left open for long.
      await waitFor(() => [...idle, ...slow].every((c) => c.closed()), {
        what: 'the server to close every idle and slow connection',
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      for (const client of slow) {
        expectRawProblem(client.response(), 408, 'request_timeout');
      }
    } finally {
      for (const client of [...idle, ...slow]) {
        client.destroy();
      }
    }
  }, 60_000);
});

function connections(): Promise<number> {
  return new Promise((resolve, reject) =>
    t.app.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}
