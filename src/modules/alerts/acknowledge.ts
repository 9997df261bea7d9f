import { inTransaction } from '../../db/transaction.js';
import type { Caller } from '../../http/caller.js';
import { assertAlertTransition } from './alert-state.js';
import { findAlert, presentAlert, recordAcknowledged } from './alert-store.js';
import type { Alert } from './alerts.schemas.js';
import type { AlertDeps } from './deps.js';

/**
 * Someone has seen the alert and works on it: open becomes acknowledged, with `alert.acknowledged`.
 * Acknowledging an acknowledged alert changes nothing; a resolved one is a 409.
 */
export const acknowledgeAlert = (
  deps: Pick<AlertDeps, 'db' | 'clock'>,
  id: number,
  caller: Caller,
): Promise<Alert> =>
  inTransaction(deps.db, async (tx) => {
    const alert = await findAlert(tx, id, caller, true);
    if (alert.status === 'acknowledged') {
      return presentAlert(alert);
    }
    assertAlertTransition(alert.status, 'acknowledged');
    return presentAlert(await recordAcknowledged(tx, id, caller.keyId, deps.clock.now()));
  });
