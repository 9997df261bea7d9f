import { describe, expect, it } from 'vitest';
import { returnStatuses } from '../../../src/db/schema/returns.js';
import {
  assertReturnTransition,
  exchangeMayShip,
  exchangeOwed,
  type ReturnStatus,
  returnLifecycle,
  returnTransitions,
} from '../../../src/modules/returns/return-state.js';
import { expectLifecycleSection, expectNoDeadEnds, lifecycleTable } from '../../helpers/lifecycle.js';

describe('the return lifecycle', () => {
  it('describes every status the database knows', () => {
    expect(Object.keys(returnLifecycle).sort()).toEqual([...returnStatuses].sort());
  });

  it('has no dead end: every move is an API operation, and a final status is reachable from each', async () => {
    await expectNoDeadEnds(returnLifecycle);
  });

  it('allows exactly the moves the table lists', () => {
    for (const from of returnStatuses) {
      for (const to of returnStatuses) {
        const allowed = returnTransitions(from).includes(to);
        const check = () => assertReturnTransition(from as ReturnStatus, to as ReturnStatus);
        if (allowed) {
          expect(check).not.toThrow();
        } else {
          expect(check, `${from} → ${to}`).toThrow(`cannot become ${to}`);
        }
      }
    }
  });

  it('owes an exchange once authorized, until turned down or closed before anything arrived', () => {
    const owed = returnStatuses.filter((status) => exchangeOwed(status, 0));
    expect(owed).toEqual(['authorized', 'in_transit', 'received', 'refunded']);
    expect(exchangeOwed('closed', 1)).toBe(true);
    expect(exchangeOwed('rejected', 1)).toBe(false);
    expect(returnStatuses.filter((status) => exchangeMayShip(status, 0))).toEqual(['received', 'refunded']);
    expect(exchangeMayShip('closed', 2)).toBe(true);
  });

  it('is documented in docs/lifecycle.md exactly as the state table says', async () => {
    await expectLifecycleSection('return', lifecycleTable(returnLifecycle));
  });
});
