import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putAlertRules } from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeLocation, makeProduct, uniq } from '../../helpers/factories.js';
import { faultConfig, type OrdoUnderTest, startOrdo } from '../../helpers/ordo-process.js';
import { waitFor } from '../../helpers/wait.js';

// Two real Ordo processes on one database, each with its `alerts` worker evaluating every 50 ms, while
// the test flips stock under and over the reorder points again and again: there is never a second
// unresolved alert for a rule and subject, every alert is raised and resolved once (one event each),
// and neither process fails a pass.
let t: TestApp;
const processes: OrdoUnderTest[] = [];
let location: string;
const skus: string[] = [];
const flips = 16;

beforeAll(async () => {
  t = await createTestApp({ config: faultConfig() });
  location = (await makeLocation(t)).code;
  for (let i = 0; i < 24; i++) {
    skus.push((await makeProduct(t)).sku);
  }
  const res = await t.request({
    method: 'PUT',
    url: '/v1/inventory/reorder-points',
    payload: { items: skus.map((sku) => ({ sku, location, reorder_point: 5 })) },
  });
  expect(res.statusCode, res.body).toBe(200);
  await putAlertRules(t, [
    { id: 'reorder', kind: 'below_reorder_point', locations: [location] },
    // Holds from the first feed on: its one alert stays open, re-checked on every pass.
    { id: 'stale', kind: 'feed_stale', hours: 0, locations: [location] },
  ]);
}, 60_000);

afterAll(async () => {
  for (const ordo of processes) {
    await ordo.close();
  }
  await t?.close();
});

const query = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  (await t.pool.query<T>(text, params)).rows;

/** Every (rule, subject) with more than one unresolved alert: always none. */
const duplicates = () =>
  query(`SELECT rule, subject_id, count(*)::int AS n FROM alerts WHERE status <> 'resolved'
          GROUP BY rule, subject_id HAVING count(*) > 1`);

const unresolvedReorder = async () =>
  (
    await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alerts WHERE rule = 'reorder' AND status <> 'resolved'`,
    )
  )[0]?.n;

async function countAll(onHand: number) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/inventory/counts',
    payload: { reference: uniq('CC'), items: skus.map((sku) => ({ sku, location, on_hand: onHand })) },
  });
  expect(res.statusCode, res.body).toBe(201);
}

/** The results of the process's alert passes, from its debug log. */
const passesOf = (ordo: OrdoUnderTest) =>
  ordo
    .logged('worker run finished')
    .filter((line) => line.worker === 'alerts')
    .map((line) => line.result as { raised: number; resolved: number; failed: unknown[] });

describe('alerts with two Ordo processes on one database', () => {
  it('never has a second unresolved alert for a rule and subject, and raises and resolves each alert once', async () => {
    const env = { ORDO_ALERTS_INTERVAL_MS: '50', LOG_LEVEL: 'debug' };
    processes.push(...(await Promise.all([startOrdo(t.url, env), startOrdo(t.url, env)])));
    const [first, second] = processes as [OrdoUnderTest, OrdoUnderTest];

    let samples = 0;
    const settleAt = async (expected: number, what: string) =>
      waitFor(
        async () => {
          expect(await duplicates()).toEqual([]);
          samples++;
          return (await unresolvedReorder()) === expected;
        },
        { what, timeoutMs: 20_000, intervalMs: 5 },
      );
    for (let flip = 0; flip < flips; flip++) {
      // Under the reorder point (0 < 5), then back over it (10 >= 5).
      await countAll(flip % 2 === 0 ? 0 : 10);
      await settleAt(flip % 2 === 0 ? skus.length : 0, `flip ${flip}`);
    }
    expect(first.alive() && second.alive()).toBe(true);
    expect(samples).toBeGreaterThan(flips);
    // Stopped (SIGTERM lets a pass under way finish) before the rows are read: nothing changes after.
    await Promise.all(processes.map((ordo) => ordo.close()));
    expect(await duplicates()).toEqual([]);

    // Every alert of a subject but its newest is resolved; each has one alert.raised, and one
    // alert.resolved when resolved, all by the alerts worker.
    const alerts = await query<{ id: string; rule: string; subject_id: string; status: string }>(
      'SELECT id, rule, subject_id, status FROM alerts ORDER BY id',
    );
    expect(alerts.filter((a) => a.rule === 'reorder')).toHaveLength((flips / 2) * skus.length);
    const newest = new Map(alerts.map((a) => [`${a.rule} ${a.subject_id}`, a.id]));
    expect(
      alerts.filter((a) => a.status !== 'resolved' && newest.get(`${a.rule} ${a.subject_id}`) !== a.id),
    ).toEqual([]);
    const events = await query<{ id: string; raised: number; resolved: number; others: number }>(
      `SELECT resource_id AS id,
              count(*) FILTER (WHERE type = 'alert.raised')::int AS raised,
              count(*) FILTER (WHERE type = 'alert.resolved')::int AS resolved,
              count(*) FILTER (WHERE actor <> '{"type":"system","id":null,"name":"alerts","request_id":null}'::jsonb)::int AS others
         FROM events WHERE resource_type = 'alert' GROUP BY resource_id`,
    );
    const eventsOf = new Map(events.map((e) => [e.id, e]));
    for (const alert of alerts) {
      expect(eventsOf.get(alert.id), `events of alert ${alert.id}`).toEqual({
        id: alert.id,
        raised: 1,
        resolved: alert.status === 'resolved' ? 1 : 0,
        others: 0,
      });
    }

    // Both processes evaluated, none failed, and what they say they did adds up to the rows: no
    // alert counted by both.
    const passes = [passesOf(first), passesOf(second)];
    for (const mine of passes) {
      // Which process wins a subject is up to timing (on a loaded machine one may run few passes).
      expect(mine.length).toBeGreaterThan(2);
      expect(mine.flatMap((pass) => pass.failed)).toEqual([]);
    }
    const all = passes.flat();
    const sum = (key: 'raised' | 'resolved') => all.reduce((total, pass) => total + pass[key], 0);
    expect(sum('raised')).toBe(alerts.length);
    expect(sum('resolved')).toBe(alerts.filter((a) => a.status === 'resolved').length);
    for (const ordo of processes) {
      expect(ordo.lines.filter((line) => Number(line.level) >= 40)).toEqual([]);
    }
  }, 180_000);
});
