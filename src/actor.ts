import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventActor } from './db/schema/events.js';

export type Actor = EventActor;

/**
 * Who is acting now, carried along the async calls of one request's handler or one worker run, so
 * every event records its actor without each function passing it on.
 */
const storage = new AsyncLocalStorage<Actor>();

const unknown: Actor = { type: 'system', id: null, name: 'unknown', request_id: null };

export const systemActor = (name: string): Actor => ({ type: 'system', id: null, name, request_id: null });

/** Runs `fn` (and everything it starts) as `actor`. */
export const runAs = <T>(actor: Actor, fn: () => T): T => storage.run(actor, fn);

export const currentActor = (): Actor => storage.getStore() ?? unknown;
