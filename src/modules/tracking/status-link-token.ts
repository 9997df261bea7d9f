import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Status-link tokens: the order id and the link's version, signed. A token is 48 URL-safe characters
 * (base64url of 16 bytes of order id, 4 of version and 16 of HMAC-SHA256), so it carries its own proof
 * and needs no row until a link is revoked or issued anew. Pure: no database, no clock.
 */

const payloadBytes = 20;
const macBytes = 16;
const context = 'ordo status link v1';

export interface LinkClaim {
  orderId: string;
  version: number;
}

const mac = (secret: string, payload: Buffer) =>
  createHmac('sha256', secret).update(context).update(payload).digest().subarray(0, macBytes);

export function signStatusLink(secret: string, claim: LinkClaim): string {
  const payload = Buffer.alloc(payloadBytes);
  Buffer.from(claim.orderId.replaceAll('-', ''), 'hex').copy(payload, 0);
  payload.writeUInt32BE(claim.version, 16);
  return Buffer.concat([payload, mac(secret, payload)]).toString('base64url');
}

/** A well-formed, unsigned claim that names no order: what a bad token is checked as, at the same cost. */
const nobody: LinkClaim = { orderId: '00000000-0000-0000-0000-000000000000', version: 0 };

/**
 * The claim a token makes and whether its signature holds. Any string gets the same work (decode, one
 * HMAC, one constant-time compare), so a bad token cannot be told from a good one by its timing here.
 */
export function readStatusLink(secret: string, token: string): { claim: LinkClaim; signed: boolean } {
  const raw = /^[A-Za-z0-9_-]{48}$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
  const whole = raw.length === payloadBytes + macBytes;
  const bytes = whole ? raw : Buffer.alloc(payloadBytes + macBytes);
  const payload = bytes.subarray(0, payloadBytes);
  const signed = timingSafeEqual(mac(secret, payload), bytes.subarray(payloadBytes)) && whole;
  if (!signed) {
    return { claim: nobody, signed: false };
  }
  const hex = payload.subarray(0, 16).toString('hex');
  return {
    claim: {
      orderId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      version: payload.readUInt32BE(16),
    },
    signed: true,
  };
}
