import { request } from 'undici';
import type { Row } from './rows.js';

/** Where the CLI's Ordo is, and how long one call may take. */
export interface OrdoTarget {
  url: string;
  apiKey: string;
  timeoutMs: number;
}

/** A row of the file waiting to be sent, with its row number (for the errors file). */
export interface Pending {
  number: number;
  row: Row;
}

/** POSTs `body` as JSON with the key; the answer's status and its JSON (or text, when it is not JSON). */
export async function post(
  options: OrdoTarget,
  path: string,
  body: object,
): Promise<{ status: number; json: unknown }> {
  const response = await request(new URL(path, options.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
    body: JSON.stringify(body),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const text = await response.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.statusCode, json };
}
