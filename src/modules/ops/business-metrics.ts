import type { FastifyBaseLogger } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { withDeadline } from '../../deadline.js';
import { failureLog } from '../../workers/failures.js';
import { readSnapshot, type Snapshot } from './metrics-store.js';

export interface BusinessMetricsDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  /** How long a scrape waits for the database; past it the scrape answers without these metrics. */
  timeoutMs: number;
}

/**
 * One database read per scrape, shared by every gauge of it. A read that outlives its deadline (a
 * paused server, a pool with no free connection) keeps its connection until the server cancels it, so
 * no second read starts meanwhile: a scrape then answers at once without these metrics. Failures are
 * logged like a worker's (the first, then every tenfold), never thrown: they must not fail the scrape.
 */
function snapshotReader({ db, clock, log, timeoutMs }: BusinessMetricsDeps) {
  const failures = failureLog('business-metrics', log);
  let scrape: Promise<Snapshot | undefined> | undefined;
  let reading = false;
  let lastSeconds = 0;

  async function collect(): Promise<Snapshot | undefined> {
    if (reading) {
      failures.failed(new Error('the previous read of the business metrics is still running'));
      return undefined;
    }
    const started = performance.now();
    reading = true;
    const read = readSnapshot(db, clock.now(), timeoutMs);
    read.then(
      () => {
        reading = false;
      },
      () => {
        reading = false;
      },
    );
    try {
      const snapshot = await withDeadline(
        read,
        timeoutMs,
        `the database did not answer within ${timeoutMs} ms`,
      );
      failures.succeeded();
      return snapshot;
    } catch (err) {
      failures.failed(err);
      return undefined;
    } finally {
      lastSeconds = (performance.now() - started) / 1000;
    }
  }

  return {
    /** The snapshot of the scrape under way (every gauge's collect runs in the same tick), or undefined. */
    read(): Promise<Snapshot | undefined> {
      scrape ??= collect().finally(() => {
        scrape = undefined;
      });
      return scrape;
    },
    lastSeconds: () => lastSeconds,
  };
}

type Setter<L extends string> = (labels: Record<L, string>, value: number) => void;

/** A gauge whose value is filled from the scrape's snapshot; without one (a failed read) it shows nothing. */
type GaugeFactory = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  fill: (set: Setter<L>, snapshot: Snapshot) => void,
) => Gauge<L>;

function gaugeFactory(registry: Registry, snapshots: ReturnType<typeof snapshotReader>): GaugeFactory {
  return (name, help, labelNames, fill) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const snapshot = await snapshots.read();
        this.reset();
        if (snapshot) {
          fill((labels, value) => this.set(labels, value), snapshot);
        }
      },
    });
}

function orderGauges(gauge: GaugeFactory): void {
  gauge('ordo_orders', 'Orders by channel and current status', ['channel', 'status'], (set, s) => {
    for (const row of s.orders) {
      set({ channel: row.channel, status: row.status }, row.count);
    }
  });
  gauge('ordo_holds_open', 'Open holds by queue', ['queue'], (set, s) => {
    for (const row of s.holds) {
      set({ queue: row.queue }, row.count);
    }
  });
  gauge('ordo_holds_oldest_age_seconds', 'Age of the oldest open hold, by queue', ['queue'], (set, s) => {
    for (const row of s.holds) {
      set({ queue: row.queue }, row.oldest_seconds);
    }
  });
  gauge(
    'ordo_alerts_open',
    'Alerts not resolved, by rule and status (open or acknowledged)',
    ['rule', 'status'],
    (set, s) => {
      for (const row of s.alerts) {
        set({ rule: row.rule, status: row.status }, row.count);
      }
    },
  );
  gauge(
    'ordo_shipments_late',
    'Shipments not shipped by their ship_by day (in the location’s time zone), by location',
    ['location'],
    (set, s) => {
      for (const row of s.late) {
        set({ location: row.location }, row.count);
      }
    },
  );
}

const deliveryStatuses = ['pending', 'delivered', 'exhausted'];

function deliveryGauges(gauge: GaugeFactory): void {
  gauge(
    'ordo_webhook_deliveries',
    'Webhook deliveries by status: pending, delivered, exhausted (finished ones are kept for the retention period)',
    ['status'],
    (set, s) => {
      const counts = new Map(s.deliveries.map((row) => [row.status, row.count]));
      for (const status of new Set([...deliveryStatuses, ...counts.keys()])) {
        set({ status }, counts.get(status) ?? 0);
      }
    },
  );
  gauge(
    'ordo_webhook_backlog',
    'Webhook deliveries of active subscriptions not delivered yet (due or waiting for a retry)',
    [],
    (set, s) => set({}, s.backlog.count),
  );
  gauge(
    'ordo_webhook_backlog_oldest_age_seconds',
    'Age of the oldest undelivered webhook delivery of an active subscription (0 when there is none)',
    [],
    (set, s) => set({}, s.backlog.oldest_seconds ?? 0),
  );
  gauge('ordo_events_unnumbered', 'Committed events the sequencer has not numbered yet', [], (set, s) =>
    set({}, s.unnumbered),
  );
}

function partitionGauges(gauge: GaugeFactory): void {
  gauge(
    'ordo_partition_oldest_end_age_seconds',
    'Seconds since the time range of the oldest partition of the table ended: above its retention, a drop is waiting',
    ['table'],
    (set, s) => {
      for (const row of s.partitions) {
        set({ table: row.table }, row.oldest_end_seconds);
      }
    },
  );
  gauge(
    'ordo_partition_default_rows',
    'Rows in the DEFAULT partition of the table, which no time partition covered: the next maintenance run moves them',
    ['table'],
    (set, s) => {
      for (const row of s.partitions) {
        set({ table: row.table }, row.default_rows);
      }
    },
  );
}

/**
 * Business gauges read from the database at scrape time, so every replica reports the same values:
 * orders by channel and status, open holds and the oldest per queue, unresolved alerts per rule, late
 * shipments, webhook deliveries by status and the backlog, unnumbered events, the partitions' oldest
 * range and stray rows. A label set with nothing
 * to count is left out (read a missing series as 0). `ordo_business_metrics_up` says whether the read
 * worked; the HTTP and process metrics of the same scrape never depend on it.
 */
export function registerBusinessMetrics(registry: Registry, deps: BusinessMetricsDeps): void {
  const snapshots = snapshotReader(deps);
  const gauge = gaugeFactory(registry, snapshots);
  orderGauges(gauge);
  deliveryGauges(gauge);
  partitionGauges(gauge);
  new Gauge({
    name: 'ordo_business_metrics_up',
    help: '1 when this scrape read the business metrics from the database, 0 when it failed or timed out',
    registers: [registry],
    async collect() {
      this.set((await snapshots.read()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ordo_business_metrics_duration_seconds',
    help: 'How long the last read of the business metrics from the database took',
    registers: [registry],
    async collect() {
      await snapshots.read();
      this.set(snapshots.lastSeconds());
    },
  });
}
