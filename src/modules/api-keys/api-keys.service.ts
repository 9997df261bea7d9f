import { createHash, randomBytes } from 'node:crypto';
import { and, count, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { sqlState } from '../../db/pg-errors.js';
import { apiKeys } from '../../db/schema/index.js';
import { AppError, notFound } from '../../errors.js';
import type { Caller, Scope } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { ApiKey, CreateApiKey } from './api-keys.schemas.js';

const secretPrefix = 'ordo_sk_';

export const generateSecret = () => `${secretPrefix}${randomBytes(32).toString('base64url')}`;

// Secrets carry 256 random bits, so a fast hash is enough: nothing to brute-force, and lookups stay cheap.
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

type ApiKeyRow = typeof apiKeys.$inferSelect;

const present = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes as Scope[],
  channel: row.channelCode,
  rate_limit: row.rateLimit,
  created_at: new Date(row.createdAt).toISOString(),
  revoked_at: row.revokedAt?.toISOString() ?? null,
});

/**
 * How long a verified key is remembered in this process. A revocation applies at once in the process
 * that made it and within this time in every other replica; the cache saves a query per request.
 */
const authCacheMs = 1000;
const authCacheSize = 10_000;

/** Callers verified recently in this process, by secret hash. */
type AuthCache = Map<string, { caller: Caller; until: number }>;

async function insertKey(db: Db, input: CreateApiKey, secret: string): Promise<ApiKeyRow> {
  try {
    const [row] = await db
      .insert(apiKeys)
      .values({
        name: input.name,
        prefix: secret.slice(0, secretPrefix.length + 4),
        secretHash: hashSecret(secret),
        scopes: input.scopes,
        channelCode: input.channel ?? null,
        rateLimit: input.rate_limit ?? null,
      })
      .returning();
    if (!row) {
      throw new Error('insert returned no row');
    }
    return row;
  } catch (err) {
    if (sqlState(err) === '23503') {
      throw new AppError('validation_failed', `Channel "${input.channel}" does not exist`, {
        errors: [{ in: 'body', pointer: '/channel', detail: 'is not a known channel code' }],
      });
    }
    throw err;
  }
}

/**
 * Creates a key; the returned secret is the only time it is ever shown. A channel-bound key cannot be
 * `admin`: admin manages keys, so it could make itself an unbound one and escape its channel.
 */
async function createKey(db: Db, input: CreateApiKey): Promise<ApiKey & { secret: string }> {
  if (input.channel && input.scopes.includes('admin')) {
    throw new AppError('validation_failed', 'A key bound to a channel cannot have the admin scope', {
      errors: [
        {
          in: 'body',
          pointer: '/scopes',
          detail: 'admin can create unbound keys; give a channel-bound key only the scopes it needs',
        },
      ],
    });
  }
  const secret = generateSecret();
  return { ...present(await insertKey(db, input, secret)), secret };
}

interface ApiKeyListQuery {
  limit: number;
  cursor?: string;
  include_revoked: boolean;
}

async function listKeys(db: Db, query: ApiKeyListQuery): Promise<Page<ApiKey>> {
  const after = decodeCursor(query.cursor, ['string', 'string']);
  const rows = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        query.include_revoked ? undefined : isNull(apiKeys.revokedAt),
        after
          ? or(
              lt(apiKeys.createdAt, String(after[0])),
              and(eq(apiKeys.createdAt, String(after[0])), lt(apiKeys.id, String(after[1]))),
            )
          : undefined,
      ),
    )
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.createdAt, row.id], present);
}

async function getKey(db: Db, id: string): Promise<ApiKey> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  if (!row) {
    throw notFound(`API key ${id}`);
  }
  return present(row);
}

/** Revokes a key; revoking an already revoked key changes nothing. */
async function revokeKey(db: Db, recent: AuthCache, id: string): Promise<void> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(eq(apiKeys.id, id))
    .returning({ id: apiKeys.id });
  if (!row) {
    throw notFound(`API key ${id}`);
  }
  recent.clear();
}

/** The caller behind a secret, or undefined when the key is unknown or revoked. */
async function authenticate(db: Db, recent: AuthCache, secret: string): Promise<Caller | undefined> {
  const hash = hashSecret(secret);
  const cached = recent.get(hash);
  if (cached && cached.until > Date.now()) {
    return cached.caller;
  }
  const [row] = await db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      channel: apiKeys.channelCode,
      rateLimit: apiKeys.rateLimit,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, hash), isNull(apiKeys.revokedAt)));
  const caller = row && {
    keyId: row.id,
    keyName: row.name,
    scopes: row.scopes as Scope[],
    channel: row.channel,
    rateLimit: row.rateLimit,
  };
  if (caller) {
    if (recent.size >= authCacheSize) {
      recent.clear();
    }
    recent.set(hash, { caller, until: Date.now() + authCacheMs });
  }
  return caller;
}

/**
 * Makes sure an admin key with exactly this secret exists and is usable (ORDO_BOOTSTRAP_API_KEY).
 * Returns what it had to do, for the start-up log.
 */
async function ensureBootstrapKey(db: Db, secret: string): Promise<'created' | 'existed' | 'reinstated'> {
  const [row] = await db
    .insert(apiKeys)
    .values({
      name: 'bootstrap',
      prefix: secret.slice(0, 12),
      secretHash: hashSecret(secret),
      scopes: ['admin'],
    })
    .onConflictDoUpdate({
      target: apiKeys.secretHash,
      set: { scopes: ['admin'], revokedAt: null },
      setWhere: or(sql`${apiKeys.revokedAt} IS NOT NULL`, sql`NOT ('admin' = ANY(${apiKeys.scopes}))`),
    })
    .returning({ inserted: sql<boolean>`xmax = 0` });
  return row === undefined ? 'existed' : row.inserted ? 'created' : 'reinstated';
}

/** On a brand-new database, creates the first admin key so the operator can start; else nothing. */
async function createFirstAdminKey(db: Db): Promise<string | undefined> {
  const [existing] = await db.select({ n: count() }).from(apiKeys);
  if ((existing?.n ?? 0) > 0) {
    return undefined;
  }
  const secret = generateSecret();
  await insertKey(db, { name: 'first admin key', scopes: ['admin'] }, secret);
  return secret;
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

export function createApiKeyService({ db }: { db: Db }) {
  const recent: AuthCache = new Map();
  return {
    create: (input: CreateApiKey) => createKey(db, input),
    list: (query: ApiKeyListQuery) => listKeys(db, query),
    get: (id: string) => getKey(db, id),
    revoke: (id: string) => revokeKey(db, recent, id),
    authenticate: (secret: string) => authenticate(db, recent, secret),
    ensureBootstrapKey: (secret: string) => ensureBootstrapKey(db, secret),
    createFirstAdminKey: () => createFirstAdminKey(db),
  };
}
