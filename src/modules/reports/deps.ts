import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';

/** What the reports are computed from: they only read (other modules' tables too, never writing them). */
export interface ReportDeps {
  db: Db;
  /** "Now" for the default window and for the ages of snapshot reports. */
  clock: Clock;
}
