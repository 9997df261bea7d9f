import { inTransaction } from '../../db/transaction.js';
import { conflict, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { TemplateId } from './builtin-templates.js';
import type { NotificationDeps } from './deps.js';
import { findNotification, listNotifications } from './notification-list.js';
import type { NotificationListFilters, PutSettings, PutTemplate } from './notifications.schemas.js';
import { requestDelayed, requestMilestones } from './request.js';
import { sendDue } from './sender.js';
import { requeue } from './sender-store.js';
import { getSettings, putSettings } from './settings.js';
import { getTemplate, listTemplates, putTemplate, removeTemplate } from './templates.js';

export type NotificationService = ReturnType<typeof createNotificationService>;

/** The delayed-orders scan reads every open order with a promise: at most this often per process. */
const delayedEveryMs = 60_000;

/**
 * Customer notifications: milestones read from the event feed become `notification.requested` events
 * (once each), and channels that ask for it get them e-mailed over their SMTP server.
 */
export function createNotificationService(deps: NotificationDeps) {
  const { db, clock } = deps;
  let delayedAt = Number.NEGATIVE_INFINITY;
  return {
    /** Turns new events into notifications; returns how many were created. */
    requestMilestones: () => requestMilestones(deps),
    /** Requests `order_delayed` for every open order past its promised date. */
    requestDelayed: () => requestDelayed(deps),
    /** Sends the due e-mails; returns how many were attempted. */
    sendDue: () => sendDue(deps),
    /** The `notifications` worker's pass: new milestones, and at most once a minute the orders that became late. */
    async tick(): Promise<number> {
      let created = await requestMilestones(deps);
      if (performance.now() - delayedAt >= delayedEveryMs) {
        delayedAt = performance.now();
        created += await requestDelayed(deps);
      }
      return created;
    },
    /** Everything due now, at once: new milestones, late orders, then the e-mails (tests, one-off runs). */
    async run(): Promise<{ requested: number; sent: number }> {
      const requested = (await requestMilestones(deps)) + (await requestDelayed(deps));
      return { requested, sent: await sendDue(deps) };
    },
    list: (query: NotificationListFilters & { limit: number; cursor?: string }, caller: Caller) =>
      listNotifications(db, query, caller),
    async get(id: string, caller: Caller) {
      const found = await findNotification(db, id, caller);
      if (!found) {
        throw notFound(`Notification ${id}`);
      }
      return found;
    },
    /** Makes a pending or failed e-mail due now, with a fresh set of attempts. */
    async retry(id: string, caller: Caller) {
      const found = await this.get(id, caller);
      if (found.delivery !== 'smtp' || found.status === 'sent') {
        throw conflict(
          found.delivery !== 'smtp'
            ? `Notification ${id} was handed to your messaging system (delivery event); Ordo does not send it`
            : `Notification ${id} was already sent`,
        );
      }
      if (!(await inTransaction(db, (tx) => requeue(tx, id, clock.now())))) {
        throw conflict(`Notification ${id} is being sent right now; look again in a moment`);
      }
      return this.get(id, caller);
    },
    getSettings: (code: string, caller: Caller) => getSettings(deps, code, caller),
    putSettings: (code: string, input: PutSettings, caller: Caller) => putSettings(deps, code, input, caller),
    listTemplates: (code: string, caller: Caller) => listTemplates(deps, code, caller),
    getTemplate: (code: string, template: TemplateId, locale: string, caller: Caller) =>
      getTemplate(deps, code, template, locale, caller),
    putTemplate: (code: string, template: TemplateId, locale: string, input: PutTemplate, caller: Caller) =>
      putTemplate(deps, code, template, locale, input, caller),
    removeTemplate: (code: string, template: TemplateId, locale: string, caller: Caller) =>
      removeTemplate(deps, code, template, locale, caller),
  };
}
