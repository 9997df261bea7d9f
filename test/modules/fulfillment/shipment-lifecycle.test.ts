import { describe, expect, it } from 'vitest';
import { shipmentStatuses } from '../../../src/db/schema/fulfillment.js';
import {
  assertShipmentTransition,
  type ShipmentStatus,
  shipmentLifecycle,
  shipmentTransitions,
} from '../../../src/modules/fulfillment/shipment-state.js';
import { expectLifecycleSection, expectNoDeadEnds, lifecycleTable } from '../../helpers/lifecycle.js';

describe('the shipment lifecycle', () => {
  it('describes every status the database knows', () => {
    expect(Object.keys(shipmentLifecycle).sort()).toEqual([...shipmentStatuses].sort());
  });

  it('has no dead end: every move is an API operation, and a final status is reachable from each', async () => {
    await expectNoDeadEnds(shipmentLifecycle);
  });

  it('allows exactly the moves the table lists', () => {
    for (const from of shipmentStatuses) {
      for (const to of shipmentStatuses) {
        const allowed = shipmentTransitions(from).includes(to);
        const check = () => assertShipmentTransition(from as ShipmentStatus, to as ShipmentStatus);
        if (allowed) {
          expect(check).not.toThrow();
        } else {
          expect(check, `${from} → ${to}`).toThrow(`cannot become ${to}`);
        }
      }
    }
  });

  it('is documented in docs/lifecycle.md exactly as the state table says', async () => {
    await expectLifecycleSection('shipment', lifecycleTable(shipmentLifecycle));
  });
});
