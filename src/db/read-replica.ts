import type pg from 'pg';
import type { Logger } from 'pino';
import { createDatabase, type Database, type Db } from './client.js';

/** A WAL position (`16/B374D848`) as a number that orders like it. */
const lsnOf = (text: string): bigint => {
  const [high = '0', low = '0'] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
};

/** What the last check found: reads go to the replica only while it is `ok`. */
export type ReplicaStatus = 'ok' | 'lagging' | 'unreachable';

export interface ReplicaHealth {
  status: ReplicaStatus;
  /** How far the replica's replay is behind the primary; null when it could not be told. */
  lagMs: number | null;
  checkedAt: Date | null;
}

export interface ReadReplica {
  db: Db;
  pool: pg.Pool;
  health(): ReplicaHealth;
  /** Reads may go to the replica now. */
  usable(): boolean;
  /** Measures the replica's lag against the primary and updates `health`. */
  check(): Promise<ReplicaHealth>;
}

export interface ReadReplicaOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  maxLagMs: number;
  primary: Pick<Database, 'pool'>;
  log: Logger;
}

/**
 * A read replica (`DATABASE_READ_URL`): a streaming standby, or any server kept in step with the
 * primary. Starts as `unreachable` until its first check, so nothing reads from it unseen. The lag is
 * zero when the replica has replayed everything the primary has written, else the time since the
 * replica last replayed a transaction (the primary moved on and the replica has not caught up).
 */
export function createReadReplica({
  url,
  poolSize,
  statementTimeoutMs,
  maxLagMs,
  primary,
  log,
}: ReadReplicaOptions): ReadReplica {
  const replica = createDatabase({ url, poolSize, statementTimeoutMs, log });
  let health: ReplicaHealth = { status: 'unreachable', lagMs: null, checkedAt: null };

  async function measureLag(): Promise<number> {
    const [standby, head] = await Promise.all([
      replica.pool.query<{ replayed: string | null; since_ms: number | null }>(
        `SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END AS replayed,
                (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS since_ms`,
      ),
      primary.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
    ]);
    const replayed = standby.rows[0]?.replayed;
    if (replayed === null || replayed === undefined) {
      return 0; // Not a standby (the primary itself, or a logical copy): nothing to measure.
    }
    const behind = lsnOf(head.rows[0]?.lsn ?? '0/0') > lsnOf(replayed);
    return behind ? Math.max(0, standby.rows[0]?.since_ms ?? 0) : 0;
  }

  return {
    db: replica.db,
    pool: replica.pool,
    health: () => health,
    usable: () => health.status === 'ok',
    async check() {
      const before = health.status;
      try {
        const lagMs = Math.round(await measureLag());
        health = { status: lagMs > maxLagMs ? 'lagging' : 'ok', lagMs, checkedAt: new Date() };
      } catch (err) {
        health = { status: 'unreachable', lagMs: null, checkedAt: new Date() };
        if (before !== 'unreachable') {
          log.warn(
            { error: (err as Error).message },
            'the read replica is unreachable: reads go to the primary',
          );
        }
      }
      if (health.status !== before) {
        const level = health.status === 'ok' ? 'info' : 'warn';
        log[level]({ replica: health.status, lagMs: health.lagMs }, `the read replica is ${health.status}`);
      }
      return health;
    },
  };
}
