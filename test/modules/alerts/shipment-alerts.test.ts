import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  alertsAbout,
  evaluateTimes,
  expectNoneUnresolved,
  expectRaisedOnce,
  expectRaisedThenResolved,
  putAlertRules,
} from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureReleased, shipmentsOf } from '../../helpers/orders.js';

// shipment_overdue: a shipment not shipped by the end of its ship-by day (in its location's time zone),
// or shipped with no tracking update for N hours.
const minute = 60_000;
const hour = 60 * minute;
const clock = testClock();
let t: TestApp;
let sku: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ clock });
  // Tokyo is UTC+9 all year: a ship-by day there ends at 15:00 UTC the same day.
  location = (await makeLocation(t, { time_zone: 'Asia/Tokyo' })).code;
  sku = await stocked(t, { [location]: 10_000 });
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

const post = async (url: string, payload: object = {}) => {
  const res = await t.request({ method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

/** `day` (YYYY-MM-DD) at `time` UTC. */
const dayAt = (day: string, time: string) => `${day}T${time}Z`;

async function releasedShipment(channel: string) {
  const order = await captureReleased(t, orderBody(channel, [{ sku, quantity: 1 }]));
  const [shipment] = await shipmentsOf(t, order.id);
  expect(shipment).toMatchObject({ status: 'pending', location });
  return { order, shipment: shipment as NonNullable<typeof shipment> };
}

describe('shipment_overdue', () => {
  it('raises for a shipment not shipped by the end of its ship-by day in its location’s time zone, and resolves when it ships', async () => {
    const channel = (await makeChannel(t)).code;
    await putAlertRules(t, [
      { id: 'not-shipped', kind: 'shipment_overdue', checks: ['ship_by'], channels: [channel] },
      {
        id: 'express-not-shipped',
        kind: 'shipment_overdue',
        checks: ['ship_by'],
        channels: [channel],
        service_levels: ['express'],
      },
    ]);
    const { order, shipment } = await releasedShipment(channel);

    clock.set(dayAt(shipment.ship_by, '14:59:00'));
    await expectNoneUnresolved(t, 'not-shipped', shipment.id);
    clock.set(dayAt(shipment.ship_by, '15:01:00'));
    const alert = await expectRaisedOnce(t, 'not-shipped', shipment.id);
    expect(alert).toMatchObject({
      kind: 'shipment_overdue',
      subject_type: 'shipment',
      channel,
      summary: `Shipment ${shipment.number} at ${location} is pending, past its ship-by date ${shipment.ship_by}`,
      details: {
        reason: 'not_shipped',
        shipment_id: shipment.id,
        order_id: order.id,
        ship_by: shipment.ship_by,
        location,
      },
    });
    // A standard shipment is not an express one.
    expect(await alertsAbout(t, 'express-not-shipped', shipment.id)).toEqual([]);

    await post(`/v1/shipments/${shipment.id}/pack`, { override: { reason: 'test' } });
    await evaluateTimes(t, 1);
    expect((await alertsAbout(t, 'not-shipped', shipment.id)).map((a) => a.status)).toEqual(['open']);
    await post(`/v1/shipments/${shipment.id}/ship`);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });

  it('raises for a shipment shipped with no tracking update for N hours; each update clears it, and a new silence raises a new alert', async () => {
    const channel = (await makeChannel(t)).code;
    await putAlertRules(t, [
      { id: 'no-tracking', kind: 'shipment_overdue', checks: ['tracking'], hours: 24, channels: [channel] },
    ]);
    const { shipment } = await releasedShipment(channel);
    await post(`/v1/shipments/${shipment.id}/pack`, { override: { reason: 'test' } });
    await post(`/v1/shipments/${shipment.id}/ship`);

    clock.advance(24 * hour - minute);
    await expectNoneUnresolved(t, 'no-tracking', shipment.id);
    clock.advance(2 * minute);
    const first = await expectRaisedOnce(t, 'no-tracking', shipment.id);
    expect(first).toMatchObject({
      summary: `Shipment ${shipment.number} has had no tracking update for more than 24 h`,
      details: { reason: 'no_tracking_update', status: 'shipped', hours: 24 },
    });

    await post(`/v1/shipments/${shipment.id}/tracking`, { status: 'in_transit', location: 'Newark, NJ' });
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, first);

    clock.advance(24 * hour - minute);
    await expectNoneUnresolved(t, 'no-tracking', shipment.id);
    clock.advance(2 * minute);
    await evaluateTimes(t, 2);
    const [second, again] = await alertsAbout(t, 'no-tracking', shipment.id);
    expect(again?.id).toBe(first.id);
    expect(second).toMatchObject({ status: 'open', details: { status: 'in_transit' } });
    expect(second?.id).toBeGreaterThan(first.id);

    // Delivered: nothing more to track.
    await post(`/v1/shipments/${shipment.id}/tracking`, { status: 'delivered' });
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, second as NonNullable<typeof second>);
  });

  it('checks both by default: the ship-by day first, then the tracking', async () => {
    const channel = (await makeChannel(t)).code;
    await putAlertRules(t, [{ id: 'overdue', kind: 'shipment_overdue', hours: 48, channels: [channel] }]);
    const { shipment } = await releasedShipment(channel);
    clock.set(dayAt(shipment.ship_by, '16:00:00'));
    const late = await expectRaisedOnce(t, 'overdue', shipment.id);
    expect(late.details.reason).toBe('not_shipped');
    await post(`/v1/shipments/${shipment.id}/pack`, { override: { reason: 'test' } });
    await post(`/v1/shipments/${shipment.id}/ship`);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, late);
    clock.advance(48 * hour + minute);
    await evaluateTimes(t, 3);
    const [silent, before] = await alertsAbout(t, 'overdue', shipment.id);
    expect(before).toMatchObject({ id: late.id, status: 'resolved' });
    expect(silent).toMatchObject({ status: 'open', details: { reason: 'no_tracking_update' } });
  });
});
