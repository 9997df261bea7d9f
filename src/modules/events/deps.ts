import type { SQL } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { NumberedSignal } from './numbered-signal.js';

/**
 * Builds the statement that acts on the events a sequencer pass has just numbered: `numbered` names a
 * relation with the columns sequence, occurred_at (with sequence, the key of an event in its
 * partition), position, type, channel, resource_type and resource_id.
 */
export type FanOut = (numbered: SQL) => SQL;

/** What the events module's use cases are built from; each takes the part it uses. */
export interface EventDeps {
  db: Db;
  /** The time partitions are made ahead of and retention counts from. */
  clock: Clock;
  /** Runs in every sequencer pass's transaction (the webhook fan-out). */
  fanOut?: FanOut;
  numbered: NumberedSignal;
}
