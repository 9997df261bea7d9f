import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type OrdoTarget, type Pending, post } from './ordo-client.js';

type OrderImport = OrdoTarget & { errorsFile: string };

/** Orders captured at once: enough to keep a server busy, few enough not to trip its load shedding. */
const inFlight = 8;

/** Why Ordo refused an order, in one line: the problem's detail and each field it names. */
function reasonOf(status: number, json: unknown): string {
  const problem = json as { detail?: string; errors?: Array<{ pointer?: string; detail?: string }> } | null;
  const fields = (problem?.errors ?? []).map((e) => `${e.pointer ?? ''}: ${e.detail ?? ''}`);
  return [`${status} ${problem?.detail ?? JSON.stringify(json)}`, ...fields].join('; ');
}

/** One order through capture, retried on 429, 5xx and network errors; returns why it was refused, or null. */
async function captureOne(options: OrderImport, order: object): Promise<string | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await post(options, '/v1/orders', order);
      if (answer.status < 300) {
        return null;
      }
      if ((answer.status !== 429 && answer.status < 500) || attempt >= 6) {
        return reasonOf(answer.status, answer.json);
      }
    } catch (err) {
      if (attempt >= 6) {
        throw new Error(`Ordo unreachable: ${(err as Error).message}`);
      }
    }
    await sleep(500 * 2 ** attempt);
  }
}

/**
 * A batch of orders (one JSON order a row, as `POST /v1/orders` takes it), captured a few at a time.
 * Capture is idempotent by channel and external id, so a row sent again (a re-run, a resumed batch)
 * changes nothing. Refused orders go to the errors file; returns how many.
 */
export async function sendOrders(options: OrderImport, batch: Pending[]): Promise<number> {
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < batch.length) {
      const pending = batch[next++] as Pending;
      const reason = await captureOne(options, pending.row);
      if (reason !== null) {
        failed++;
        await appendFile(
          options.errorsFile,
          `${JSON.stringify({ row: pending.number, reason, data: pending.row })}\n`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batch.length) }, worker));
  return failed;
}
