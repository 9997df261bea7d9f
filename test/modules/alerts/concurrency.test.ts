import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationResult } from '../../../src/modules/alerts/index.js';
import { listAlerts, putAlertRules } from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeLocation, makeProduct, uniq } from '../../helpers/factories.js';

// Two app instances with pools of their own on one database, their evaluators started at the same
// instant again and again: they race for the same subjects (raising) and the same alerts (resolving),
// and each alert is raised once and resolved once all the same. (processes.test.ts does it with two
// real Ordo processes and their workers.)
let a: TestApp;
let b: TestApp;
let location: string;
const skus: string[] = [];

beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp({ database: { url: a.url, drop: async () => {} } });
  location = (await makeLocation(a)).code;
  for (let i = 0; i < 30; i++) {
    skus.push((await makeProduct(a)).sku);
  }
  const res = await a.request({
    method: 'PUT',
    url: '/v1/inventory/reorder-points',
    payload: { items: skus.map((sku) => ({ sku, location, reorder_point: 5 })) },
  });
  expect(res.statusCode, res.body).toBe(200);
  await putAlertRules(a, [{ id: 'reorder', kind: 'below_reorder_point', locations: [location] }]);
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

async function countAll(onHand: number) {
  const res = await a.request({
    method: 'POST',
    url: '/v1/inventory/counts',
    payload: { reference: uniq('CC'), items: skus.map((sku) => ({ sku, location, on_hand: onHand })) },
  });
  expect(res.statusCode, res.body).toBe(201);
}

/** Three passes on each instance, all started together. */
const race = async (): Promise<EvaluationResult[]> =>
  Promise.all([a, b, a, b, a, b].map((app) => app.app.services.alerts.evaluate()));

const total = (results: EvaluationResult[], key: 'raised' | 'resolved') =>
  results.reduce((sum, result) => sum + result[key], 0);

describe('concurrent evaluators', () => {
  it('raise each alert once and resolve it once, however the passes interleave', async () => {
    // The reorder points alone leave 0 on hand: every SKU starts under its point.
    for (let round = 0; round < 8; round++) {
      const results = await race();
      expect(results.flatMap((result) => result.failed)).toEqual([]);
      expect(total(results, 'raised'), `round ${round}`).toBe(skus.length);
      expect(total(results, 'resolved')).toBe(0);
      expect(await listAlerts(a, 'rule=reorder&status=open')).toHaveLength(skus.length);

      await countAll(10);
      const cleared = await race();
      expect(cleared.flatMap((result) => result.failed)).toEqual([]);
      expect(total(cleared, 'resolved')).toBe(skus.length);
      expect(total(cleared, 'raised')).toBe(0);
      expect(await listAlerts(a, 'rule=reorder&status=open')).toHaveLength(0);
      await countAll(0);
    }
    const { rows } = await a.pool.query(
      `SELECT type, count(*)::int AS n FROM events WHERE resource_type = 'alert' GROUP BY type ORDER BY type`,
    );
    expect(rows).toEqual([
      { type: 'alert.raised', n: 8 * skus.length },
      { type: 'alert.resolved', n: 8 * skus.length },
    ]);
  });
});
