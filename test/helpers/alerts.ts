import { expect } from 'vitest';
import type { Alert } from '../../src/modules/alerts/alerts.schemas.js';
import type { EvaluationResult } from '../../src/modules/alerts/index.js';
import type { ActorView } from '../../src/modules/events/index.js';
import type { TestApp } from './app.js';
import { sequenceAll } from './sequencer.js';
import { waitFor } from './wait.js';

/** PUT /v1/alerts/rules (asserting the 200); returns the saved rule set. */
export async function putAlertRules(t: TestApp, rules: object[]) {
  const res = await t.request({ method: 'PUT', url: '/v1/alerts/rules', payload: { rules } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { version: number; rules: Array<Record<string, unknown>> };
}

/** One pass of the alert evaluator, as the `alerts` worker runs it; asserts no rule failed. */
export async function evaluateAlerts(t: TestApp): Promise<EvaluationResult> {
  const result = await t.app.services.alerts.evaluate();
  expect(result.failed).toEqual([]);
  return result;
}

/** `passes` evaluation passes in a row (the worker's ticks). */
export async function evaluateTimes(t: TestApp, passes: number): Promise<void> {
  for (let i = 0; i < passes; i++) {
    await evaluateAlerts(t);
  }
}

/** Every alert GET /v1/alerts lists for this query (all pages), newest first. */
export async function listAlerts(t: TestApp, query = '', key?: string): Promise<Alert[]> {
  const found: Alert[] = [];
  let cursor: string | null = null;
  do {
    const url = `/v1/alerts?limit=100${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.request({ method: 'GET', url, key });
    expect(res.statusCode, res.body).toBe(200);
    found.push(...res.json().data);
    cursor = res.json().next_cursor;
  } while (cursor);
  return found;
}

/** The alerts of one rule about one subject, newest first. */
export const alertsAbout = (t: TestApp, rule: string, subjectId: string) =>
  listAlerts(t, `rule=${encodeURIComponent(rule)}&subject_id=${encodeURIComponent(subjectId)}`);

/**
 * The one alert of `rule` about `subject` that is not resolved, or undefined; fails when there are
 * more (there is never a second unresolved alert for a rule and subject).
 */
export async function unresolvedAlert(
  t: TestApp,
  rule: string,
  subjectId: string,
): Promise<Alert | undefined> {
  const unresolved = (await alertsAbout(t, rule, subjectId)).filter((alert) => alert.status !== 'resolved');
  expect(unresolved.length, `unresolved alerts of ${rule} about ${subjectId}`).toBeLessThanOrEqual(1);
  return unresolved[0];
}

/**
 * Runs `passes` evaluation passes and asserts that they raised exactly one alert of `rule` about
 * `subject`, open, over all of them; returns it.
 */
export async function expectRaisedOnce(
  t: TestApp,
  rule: string,
  subjectId: string,
  passes = 3,
): Promise<Alert> {
  await evaluateTimes(t, passes);
  const alerts = await alertsAbout(t, rule, subjectId);
  expect(
    alerts.map((alert) => alert.status),
    `alerts of ${rule} about ${subjectId}`,
  ).toEqual(['open']);
  return alerts[0] as Alert;
}

/** Runs a pass and asserts that no alert of `rule` about `subject` is unresolved. */
export async function expectNoneUnresolved(t: TestApp, rule: string, subjectId: string): Promise<void> {
  await evaluateAlerts(t);
  expect(await unresolvedAlert(t, rule, subjectId)).toBeUndefined();
}

/** An alert as GET /v1/alerts/{id} shows it (asserting the 200). */
export async function alertOf(t: TestApp, id: number, key?: string): Promise<Alert> {
  const res = await t.request({ method: 'GET', url: `/v1/alerts/${id}`, key });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export interface AlertEvent {
  type: string;
  channel: string | null;
  actor: ActorView;
  id: number;
  status: string;
}

/** The alert.* events in the feed (numbered first, every page), oldest first. */
export async function alertFeed(t: TestApp, key?: string): Promise<AlertEvent[]> {
  // The sequencer numbers an event once no older transaction runs (a release a request nudged may).
  await waitFor(
    async () => {
      await sequenceAll(t);
      const { rowCount } = await t.pool.query('SELECT 1 FROM events WHERE position IS NULL LIMIT 1');
      return rowCount === 0;
    },
    { what: 'every event to be numbered' },
  );
  const found: AlertEvent[] = [];
  let after = 0;
  for (;;) {
    const url = `/v1/events?after=${after}&limit=500&types=alert.*`;
    const res = await t.request({ method: 'GET', url, key });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as {
      data: Array<{ type: string; channel: string | null; actor: ActorView; data: Alert }>;
      next_after: number;
      has_more: boolean;
    };
    found.push(
      ...page.data.map((event) => ({
        type: event.type,
        channel: event.channel,
        actor: event.actor,
        id: event.data.id,
        status: event.data.status,
      })),
    );
    if (!page.has_more) {
      return found;
    }
    after = page.next_after;
  }
}

/** The feed's events of one alert, oldest first. */
export const eventsOfAlert = async (t: TestApp, id: number, key?: string) =>
  (await alertFeed(t, key)).filter((event) => event.id === id);

/** The actor of every event the `alerts` worker appends. */
export const alertsWorker: ActorView = { type: 'system', id: null, name: 'alerts', request_id: null };

/**
 * Asserts the whole life of an alert that was raised and then resolved by the worker: in the feed,
 * `alert.raised` then `alert.resolved` (with `alert.acknowledged` between when `acknowledged`), the
 * worker as the actor of both, and the alert itself resolved.
 */
export async function expectRaisedThenResolved(
  t: TestApp,
  alert: Alert,
  options: { acknowledged?: boolean } = {},
) {
  const resolved = await alertOf(t, alert.id);
  expect(resolved).toMatchObject({
    status: 'resolved',
    resolved_at: expect.any(String),
    raised_at: alert.raised_at,
  });
  const events = await eventsOfAlert(t, alert.id);
  expect(events.map((event) => [event.type, event.status])).toEqual([
    ['alert.raised', 'open'],
    ...(options.acknowledged ? [['alert.acknowledged', 'acknowledged']] : []),
    ['alert.resolved', 'resolved'],
  ]);
  for (const event of events.filter((e) => e.type !== 'alert.acknowledged')) {
    expect(event.actor).toEqual(alertsWorker);
    expect(event.channel).toBe(alert.channel);
  }
}
