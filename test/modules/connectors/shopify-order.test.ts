import { describe, expect, it } from 'vitest';
import { toMinor, UnreadableDelivery } from '../../../src/modules/connectors/shopify-money.js';
import { paymentStatusOf, toOrder } from '../../../src/modules/connectors/shopify-order.js';
import { fixtureOrder } from './shopify.js';

describe('money strings to minor units', () => {
  it.each([
    ['54.70', 'USD', 5470],
    ['25', 'USD', 2500],
    ['0.5', 'EUR', 50],
    ['1500', 'JPY', 1500],
    ['1500.00', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
    ['0.10', 'BHD', 100],
  ])('%s %s is %i', (value, currency, minor) => {
    expect(toMinor(value, currency, 'x')).toBe(minor);
  });

  it.each([
    ['54.701', 'USD'],
    ['1500.5', 'JPY'],
    ['-1.00', 'USD'],
    ['1e3', 'USD'],
    ['', 'USD'],
    ['1.00', 'XYZW'],
  ])('%s %s is unreadable', (value, currency) => {
    expect(() => toMinor(value, currency, 'x')).toThrow(UnreadableDelivery);
  });
});

describe('a Shopify order as an Ordo order', () => {
  it('maps the fixture exactly', () => {
    const { order, problems } = toOrder(fixtureOrder(), { channel: 'web', domain: 'acme.myshopify.com' });
    expect(problems).toEqual([]);
    expect(order).toMatchObject({
      external_id: '5123456789012',
      currency: 'USD',
      lines: [{ sku: 'TEE-BLK-M', quantity: 2, unit_price: 2500, tax_amount: 270 }],
      shipping: { service_level: 'standard', amount: 700 },
      discounts: [{ code: 'WELCOME5', amount: 500 }],
      payment: { status: 'captured', amount: 5470 },
      placed_at: '2025-03-01T15:00:00.000Z',
    });
  });

  it('maps every financial_status', () => {
    expect(
      [
        'pending',
        'authorized',
        'partially_paid',
        'paid',
        'partially_refunded',
        'refunded',
        'voided',
        'odd',
      ].map(paymentStatusOf),
    ).toEqual([
      'pending',
      'authorized',
      'authorized',
      'captured',
      'captured',
      'captured',
      'failed',
      'pending',
    ]);
  });

  it('adds shipping taxes to shipping so the total stays Shopify’s', () => {
    const body = {
      ...fixtureOrder(),
      shipping_lines: [{ code: 'Express', price: '7.00', tax_lines: [{ price: '0.42' }] }],
    };
    expect(toOrder(body, { channel: 'web', domain: 'a' }).order.shipping).toEqual({
      service_level: 'express',
      amount: 742,
    });
  });
});
