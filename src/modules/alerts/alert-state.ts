import type { alertStatuses } from '../../db/schema/alerts.js';
import { AppError } from '../../errors.js';

export type AlertStatus = (typeof alertStatuses)[number];

/**
 * The alert lifecycle as data. People acknowledge an open alert; only the evaluator resolves one, when
 * its condition no longer holds (or its rule is gone or disabled). A resolved alert stays resolved: the
 * condition holding again raises a new alert.
 */
const transitions: Record<AlertStatus, readonly AlertStatus[]> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

export const canTransition = (from: AlertStatus, to: AlertStatus) => transitions[from].includes(to);

export function assertAlertTransition(from: AlertStatus, to: AlertStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('conflict', `An alert that is ${from} cannot become ${to}`);
  }
}
