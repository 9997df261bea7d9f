import Type, { type Static } from 'typebox';
import { scopes } from '../../http/caller.js';

export const ScopeSchema = Type.Enum(scopes, { description: '`admin` grants every other scope' });

const keyFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: scopes.length, uniqueItems: true }),
  channel: Type.Union([
    Type.String({ description: 'Code of the channel this key is bound to' }),
    Type.Null(),
  ]),
  rate_limit: Type.Union([
    Type.Integer({
      minimum: 1,
      maximum: 100_000_000,
      description: 'Requests per rate-limit window; null uses the server default',
    }),
    Type.Null(),
  ]),
};

export const CreateApiKeySchema = Type.Object(
  {
    name: keyFields.name,
    scopes: keyFields.scopes,
    channel: Type.Optional(keyFields.channel),
    rate_limit: Type.Optional(keyFields.rate_limit),
  },
  {
    additionalProperties: false,
    examples: [
      { name: 'Web storefront', scopes: ['orders:write', 'orders:read', 'inventory:read'], channel: 'web' },
    ],
  },
);
export type CreateApiKey = Static<typeof CreateApiKeySchema>;

const apiKeyExample = {
  id: '0f8d6c1e-3b5a-4c1e-9d2f-7a6b5c4d3e2f',
  name: 'Web storefront',
  prefix: 'ordo_sk_Xk3',
  scopes: ['orders:write', 'orders:read', 'inventory:read'],
  channel: 'web',
  rate_limit: null,
  created_at: '2026-11-27T10:00:00.000Z',
  revoked_at: null,
};

export const ApiKeySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ...keyFields,
    prefix: Type.String({ description: 'The first characters of the secret, to tell keys apart' }),
    created_at: Type.String({ format: 'date-time' }),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'ApiKey', examples: [apiKeyExample] },
);
export type ApiKey = Static<typeof ApiKeySchema>;

export const CreatedApiKeySchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    secret: Type.String({ description: 'The key itself. Shown only in this response; store it now.' }),
  },
  { examples: [{ ...apiKeyExample, secret: 'ordo_sk_Xk3vQ0c2m9Jt4cJ1o8mW7nP5rT6yU2iZqL0aB3dE4fG' }] },
);

export const ApiKeyParamsSchema = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ApiKeyListQuerySchema = Type.Object({
  include_revoked: Type.Boolean({ default: false }),
});
