/** What an API key may do. `admin` grants every other scope. */
export const scopes = [
  'admin',
  'catalog:write',
  'orders:read',
  'orders:write',
  'inventory:read',
  'inventory:write',
  'fulfillment:write',
  'returns:write',
  'webhooks:write',
  'accounts:read',
  'accounts:write',
] as const;

export type Scope = (typeof scopes)[number];

/** What a request carries once its key is verified. */
export interface Caller {
  keyId: string;
  /** The key's name, for the record of who did what. */
  keyName: string;
  scopes: readonly Scope[];
  /** Set for a channel-bound key: it creates and sees only this channel's data. */
  channel: string | null;
  rateLimit: number | null;
}
