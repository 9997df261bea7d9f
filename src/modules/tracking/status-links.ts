import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { appendEvents } from '../events/index.js';
import { instanceSecret, type LinkState, linkStates, renewLink, revokeLink } from './status-link-store.js';
import { readStatusLink, signStatusLink } from './status-link-token.js';
import { linkEvent } from './tracking-events.js';

/** An order's status link as the merchant sees it. */
export interface StatusLink {
  token: string;
  url: string;
  /** Null while the order is in flight. */
  expires_at: string | null;
}

export interface StatusLinkDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'host' | 'port' | 'publicUrl' | 'statusLinkSecret' | 'statusLinkDays'>;
  /**
   * Where this process listens, once it does: the base of links when ORDO_PUBLIC_URL is unset (so
   * PORT=0 gives the port actually picked); before that, HOST and PORT.
   */
  origin?: () => string | undefined;
}

const secretName = 'status_link';
/** What a token that names no order is checked against: the same query as for any other. */
const noOrder = '00000000-0000-0000-0000-000000000000';

/**
 * The signing secret: the configured one, or the one kept in the database (read once, made on first
 * use, by autocommit so a rolled-back transaction never loses a secret tokens were signed with). Read
 * at start (`ready`): first read inside a transaction, it would need a second connection while holding
 * one, and with every connection held that way (a pool of one, a busy pool) wait for itself.
 */
function secretOf(db: Db, configured: string | undefined): () => Promise<string> {
  let secret: Promise<string> | undefined;
  return () => {
    secret ??= configured
      ? Promise.resolve(configured)
      : instanceSecret(db, secretName).catch((err: unknown) => {
          secret = undefined;
          throw err;
        });
    return secret;
  };
}

/** Whether a link is `version` of the order's, neither revoked nor expired at `now`. */
const works = (state: LinkState | undefined, version: number, now: Date): state is LinkState =>
  state !== undefined &&
  state.version === version &&
  !state.revoked &&
  (state.expiresAt === null || state.expiresAt > now);

/**
 * Status links: an unguessable, signed, revocable address where a customer sees their order without an
 * API key. A link stops working when it is revoked or renewed, and `statusLinkDays` after the order's
 * last delivery (or its cancellation).
 */
export function createStatusLinks({ db, clock, config, origin }: StatusLinkDeps) {
  const base = () => config.publicUrl ?? origin?.() ?? `http://${config.host}:${config.port}`;
  const signingSecret = secretOf(db, config.statusLinkSecret);
  const present = async (state: LinkState): Promise<StatusLink> => {
    const token = signStatusLink(await signingSecret(), state);
    return { token, url: `${base()}/track/${token}`, expires_at: state.expiresAt?.toISOString() ?? null };
  };
  const stateOf = async (tx: Executor, orderId: string) => {
    const [state] = await linkStates(tx, [orderId], config.statusLinkDays);
    if (!state) {
      throw new AppError('not_found', `Order ${orderId} not found`);
    }
    return state;
  };

  return {
    /** Reads (or makes) the signing secret now: call once at start, before any transaction signs a link. */
    async ready(): Promise<void> {
      await signingSecret();
    },

    /** The working links of these orders by order id (none for a revoked or expired link). */
    async linksFor(tx: Executor, orderIds: string[]): Promise<Map<string, StatusLink>> {
      const states = orderIds.length === 0 ? [] : await linkStates(tx, orderIds, config.statusLinkDays);
      const usable = states.filter((state) => works(state, state.version, clock.now()));
      return new Map(await Promise.all(usable.map(async (s) => [s.orderId, await present(s)] as const)));
    },

    /**
     * The order a token shows, or undefined for an unknown, forged, revoked, renewed or expired token:
     * every token costs the same work (a signature check and one query), so none says which it was.
     */
    async resolve(token: string): Promise<string | undefined> {
      const { claim, signed } = readStatusLink(await signingSecret(), token);
      // A bad token is checked against no order (its claim names the nil id): the same query still runs.
      const [state] = await linkStates(db, [claim.orderId], config.statusLinkDays);
      return signed && works(state, claim.version, clock.now()) ? claim.orderId : undefined;
    },

    /** The order's current link, revoked or not (404 for an unknown order). */
    async current(tx: Executor, orderId: string): Promise<StatusLink & { revoked: boolean }> {
      const state = await stateOf(tx, orderId);
      return { ...(await present(state)), revoked: state.revoked };
    },

    /**
     * The order's working link, or undefined when there is none (no such order, revoked, expired): the
     * same query either way, so a lookup that matched no order costs what one that matched does.
     */
    async usable(orderId: string | undefined): Promise<StatusLink | undefined> {
      const [state] = await linkStates(db, [orderId ?? noOrder], config.statusLinkDays);
      return orderId !== undefined && state && works(state, state.version, clock.now())
        ? present(state)
        : undefined;
    },

    /** A new link for the order: every earlier one stops working (appends `status_link.renewed`). */
    async renew(tx: Executor, orderId: string): Promise<StatusLink> {
      const before = await stateOf(tx, orderId);
      const state = { ...before, version: await renewLink(tx, orderId, clock.now()), revoked: false };
      await appendEvents(tx, [linkEvent('status_link.renewed', state)]);
      return present(state);
    },

    /**
     * Revokes the order's link; `renew` issues a working one again. Appends `status_link.revoked` when
     * the link was not revoked already (lock the order first so two revocations append one event).
     */
    async revoke(tx: Executor, orderId: string): Promise<void> {
      const state = await stateOf(tx, orderId);
      await revokeLink(tx, orderId, clock.now());
      if (!state.revoked) {
        await appendEvents(tx, [linkEvent('status_link.revoked', state)]);
      }
    },
  };
}

export type StatusLinks = ReturnType<typeof createStatusLinks>;
