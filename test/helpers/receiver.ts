import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: { id: string; type: string; sequence: number; [key: string]: unknown };
  /** Which of the receiver's secrets verified the signature. */
  verifiedWith: string[];
}

export interface Receiver {
  url: string;
  /** Requests whose signature verified, in arrival order. */
  received: Received[];
  /** Requests whose signature did not verify with any secret. */
  rejected: number;
  secrets: string[];
  /** Answers each verified request; default 204. Return `hang` to never answer. */
  respond: (
    event: Received,
    n: number,
  ) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';
  /** Milliseconds to wait before answering each request. */
  delayMs: number;
  /** Webhook ids being handled right now, and the largest number of times one id was in flight at once. */
  inFlight: Map<string, number>;
  maxConcurrentSameId: number;
  /** TCP connections Ordo opened to the receiver (fewer than requests when they are kept alive). */
  connections: number;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures with `standardwebhooks`. */
export async function startReceiver(secrets: string[] = []): Promise<Receiver> {
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: '',
    received: [],
    rejected: 0,
    secrets,
    respond: () => ({ status: 204 }),
    delayMs: 0,
    inFlight: new Map(),
    maxConcurrentSameId: 0,
    connections: 0,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      const verifiedWith = receiver.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (verifiedWith.length === 0) {
        receiver.rejected++;
        res.writeHead(401).end('bad signature');
        return;
      }
      const id = headers['webhook-id'];
      const count = (receiver.inFlight.get(id) ?? 0) + 1;
      receiver.inFlight.set(id, count);
      receiver.maxConcurrentSameId = Math.max(receiver.maxConcurrentSameId, count);
      const done = () => {
        const left = (receiver.inFlight.get(id) ?? 1) - 1;
        if (left === 0) {
          receiver.inFlight.delete(id);
        } else {
          receiver.inFlight.set(id, left);
        }
      };
      res.on('close', done);
      const received: Received = {
        id,
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        event: JSON.parse(body),
        verifiedWith,
      };
      const answer = receiver.respond(received, receiver.received.length);
      receiver.received.push(received);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const send = () => res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      if (receiver.delayMs > 0) {
        setTimeout(send, receiver.delayMs);
      } else {
        send();
      }
    });
  });
  server.on('connection', () => {
    receiver.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = async () => {
    for (const res of hanging) {
      res.destroy();
    }
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}
