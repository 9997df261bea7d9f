import { createHash } from 'node:crypto';
import { and, eq, lte, or, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/index.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed; its response is stored when sent. */
    claimedIdempotencyKey: string | null;
  }
}

export interface IdempotencyOptions {
  db: Db;
  ttlHours: number;
  /** How long an in-flight claim holds before a retry may take it over (the process may have died). */
  leaseMs: number;
}

const validKey = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response (2xx or 4xx) is
 * stored; a retry with the same body replays it with the same status, a retry with another body is
 * a 422, and a retry while the first is still running is a 409. A 5xx frees the key for a retry.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { db } = options;
  app.decorateRequest('claimedIdempotencyKey', null);

  // preHandler: after authentication and validation, so only requests that will run claim a key.
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined || !request.caller) {
      return;
    }
    if (typeof key !== 'string' || !validKey.test(key)) {
      throw new AppError('validation_failed', 'The Idempotency-Key header is invalid', {
        errors: [
          { in: 'headers', pointer: '/idempotency-key', detail: 'must be 1 to 255 printable characters' },
        ],
      });
    }
    const claim = { apiKeyId: request.caller.keyId, key, requestHash: requestHashOf(request) };
    if (await claimKey(options, claim)) {
      request.claimedIdempotencyKey = key;
      return;
    }
    const stored = await storedResponse(db, claim);
    return reply
      .code(stored.status)
      .header('idempotent-replayed', 'true')
      .type(stored.contentType)
      .send(stored.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.claimedIdempotencyKey;
    if (key === null || !request.caller) {
      return payload;
    }
    request.claimedIdempotencyKey = null;
    try {
      await storeResponse(db, { apiKeyId: request.caller.keyId, key }, reply, payload);
    } catch (err) {
      // The response itself is committed; a retry after the lease simply runs again.
      request.log.error({ err }, 'could not store the idempotent response');
    }
    return payload;
  });
}

interface Claim {
  apiKeyId: string;
  key: string;
  requestHash: string;
}

const requestHashOf = (request: FastifyRequest) =>
  createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');

/** Claims the key for this request; false when another request holds it (or held it and stored its response). */
async function claimKey({ db, ttlHours, leaseMs }: IdempotencyOptions, claim: Claim): Promise<boolean> {
  const { requestHash } = claim;
  const lockedUntil = sql`now() + make_interval(secs => ${leaseMs / 1000})`;
  const claimed = await db
    .insert(idempotencyKeys)
    .values({
      ...claim,
      status: 'in_flight',
      lockedUntil,
      expiresAt: sql`now() + make_interval(hours => ${ttlHours})`,
    })
    .onConflictDoUpdate({
      target: [idempotencyKeys.apiKeyId, idempotencyKeys.key],
      set: {
        requestHash,
        status: 'in_flight',
        responseStatus: null,
        responseBody: null,
        responseContentType: null,
        createdAt: sql`now()`,
        lockedUntil,
        expiresAt: sql`excluded.expires_at`,
      },
      // Take over an expired key, or an abandoned claim for the same request.
      setWhere: or(
        lte(idempotencyKeys.expiresAt, sql`now()`),
        and(
          eq(idempotencyKeys.status, 'in_flight'),
          lte(idempotencyKeys.lockedUntil, sql`now()`),
          eq(idempotencyKeys.requestHash, requestHash),
        ),
      ),
    })
    .returning({ key: idempotencyKeys.key });
  return claimed.length > 0;
}

/** The response stored for a key another request holds: 422 for another request, 409 while it runs. */
async function storedResponse(db: Db, { apiKeyId, key, requestHash }: Claim) {
  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)));
  if (existing && existing.requestHash !== requestHash) {
    throw new AppError(
      'idempotency_key_reused',
      'This Idempotency-Key was used for a different request; use a new key for a new request',
    );
  }
  if (!existing || existing.status === 'in_flight' || existing.responseStatus === null) {
    throw new AppError(
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still being processed',
      {
        retryAfterSeconds: 1,
      },
    );
  }
  return {
    status: existing.responseStatus,
    contentType: existing.responseContentType ?? 'application/json',
    body: existing.responseBody,
  };
}

/** Stores the response to replay; a 5xx (or a body that is not text) frees the key instead. */
async function storeResponse(
  db: Db,
  { apiKeyId, key }: Pick<Claim, 'apiKeyId' | 'key'>,
  reply: FastifyReply,
  payload: unknown,
): Promise<void> {
  const where = and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key));
  if (reply.statusCode >= 500 || typeof payload !== 'string') {
    await db.delete(idempotencyKeys).where(where);
  } else {
    await db
      .update(idempotencyKeys)
      .set({
        status: 'completed',
        responseStatus: reply.statusCode,
        responseBody: payload,
        responseContentType: String(reply.getHeader('content-type') ?? 'application/json'),
      })
      .where(where);
  }
}

/** Deletes keys past their retention; run periodically by the housekeeping worker. */
export async function purgeExpiredIdempotencyKeys(db: Db): Promise<number> {
  const purged = await db
    .delete(idempotencyKeys)
    .where(lte(idempotencyKeys.expiresAt, sql`now()`))
    .returning({ key: idempotencyKeys.key });
  return purged.length;
}
