import nodemailer from 'nodemailer';
import { inTransaction } from '../../db/transaction.js';
import { appendEvents } from '../events/index.js';
import type { NotificationDeps } from './deps.js';
import { chooseTemplate, renderMessage } from './message.js';
import { claimDue, markFailed, markSent, type SendJob } from './sender-store.js';
import { channelTemplates } from './settings-store.js';
import { smtpHostProblem } from './smtp-host.js';

type SenderDeps = Pick<NotificationDeps, 'db' | 'clock' | 'config' | 'log'>;

/** E-mails sent at once by one process's pass. */
const sendConcurrency = 10;

/** A whole attempt may take this many SMTP timeouts; a claim's lease outlasts it. */
const attemptTimeouts = 4;

const describe = (err: unknown): string => {
  const error = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const parts = [error.code, error.responseCode, error.response ?? error.message].filter(Boolean);
  return (parts.join(': ') || 'sending failed').slice(0, 500);
};

/** The e-mail of a claimed notification, in the channel's wording for the customer's locale. */
async function compose(deps: SenderDeps, job: SendJob) {
  const wordings = await channelTemplates(deps.db, job.channel_id, job.template);
  const wording = chooseTemplate(job.template, wordings, job.locale, job.default_locale);
  return renderMessage(
    {
      template: job.template,
      locale: job.locale,
      channel: job.channel,
      recipient: { email: job.recipient_email, name: job.recipient_name },
      status_link: job.status_link,
      data: job.data,
    },
    wording,
  );
}

/** One SMTP attempt, outside any transaction, bounded by the timeouts; the Message-ID, or why it failed. */
async function send(
  deps: SenderDeps,
  job: SendJob,
): Promise<{ messageId: string | null } | { error: string }> {
  const smtp = job.smtp;
  if (!smtp || !job.from_address) {
    return {
      error: 'the channel has no SMTP server or sender address (PUT /v1/channels/{code}/notifications)',
    };
  }
  const refused = await smtpHostProblem(smtp.host, smtp.port, deps.config.webhookAllowPrivate);
  if (refused) {
    return { error: `SMTP host refused: it ${refused}` };
  }
  const timeout = deps.config.smtpTimeoutMs;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.require_tls,
    // STARTTLS when merely offered is opportunistic (anyone on the path could strip the offer), so its
    // certificate is not checked, as mail servers do among themselves; TLS asked for is verified.
    tls: { rejectUnauthorized: smtp.secure || smtp.require_tls },
    ...(smtp.user ? { auth: { user: smtp.user, pass: job.smtp_password ?? '' } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
  });
  // A server that answers each command just in time could hold an attempt for ever: a whole-attempt bound too.
  let expire: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    expire = setTimeout(() => {
      transport.close();
      reject(Object.assign(new Error('the SMTP attempt took too long'), { code: 'ETIMEDOUT' }));
    }, timeout * attemptTimeouts);
  });
  // Raced below once the message is composed; until then nothing else awaits it.
  expired.catch(() => undefined);
  try {
    const message = await compose(deps, job);
    const sending = transport.sendMail({
      from: job.from_name ? { name: job.from_name, address: job.from_address } : job.from_address,
      to: job.recipient_name
        ? { name: job.recipient_name, address: job.recipient_email }
        : job.recipient_email,
      ...(job.reply_to ? { replyTo: job.reply_to } : {}),
      subject: message.subject,
      text: message.text,
      ...(message.html === null ? {} : { html: message.html }),
      headers: { 'X-Ordo-Notification': job.id },
    });
    // Past the bound the transport is closed under it: its late failure is no one's.
    sending.catch(() => undefined);
    const info = await Promise.race([sending, expired]);
    return { messageId: typeof info.messageId === 'string' ? info.messageId : null };
  } catch (err) {
    return { error: describe(err) };
  } finally {
    clearTimeout(expire);
    transport.close();
  }
}

const outcomeOf = (job: SendJob, attempts: number) => ({
  notification_id: job.id,
  template: job.template,
  channel: job.channel,
  order_id: job.order_id,
  order_number: job.order_number,
  recipient: { email: job.recipient_email },
  attempts,
});

/** Sends one claimed notification and records what came of it (a `notification.failed` once it gives up). */
export async function deliver(deps: SenderDeps, job: SendJob): Promise<void> {
  const result = await send(deps, job);
  const now = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    if ('messageId' in result) {
      const attempts = await markSent(tx, job, result.messageId, now);
      if (attempts !== undefined) {
        await appendEvents(tx, [
          {
            type: 'notification.sent',
            resourceType: 'order',
            resourceId: job.order_id,
            channel: job.channel,
            data: { ...outcomeOf(job, attempts), message_id: result.messageId },
          },
        ]);
      }
      return;
    }
    deps.log.warn({ notification: job.id, error: result.error }, 'notification e-mail failed');
    const marked = await markFailed(tx, job, result.error, deps.config.notificationRetrySchedule, now);
    if (marked?.status === 'failed') {
      await appendEvents(tx, [
        {
          type: 'notification.failed',
          resourceType: 'order',
          resourceId: job.order_id,
          channel: job.channel,
          data: { ...outcomeOf(job, marked.attempts), last_error: result.error },
        },
      ]);
    }
  });
}

/** Claims due e-mails and sends them, a few at once, until none is due; returns how many were attempted. */
export async function sendDue(deps: SenderDeps): Promise<number> {
  // Longer than any attempt can take (connect, greet, each command), so a live claim never runs out.
  const leaseMs = deps.config.smtpTimeoutMs * (attemptTimeouts + 2) + 10_000;
  let total = 0;
  for (;;) {
    const jobs = await claimDue(deps.db, deps.clock.now(), leaseMs, sendConcurrency);
    await Promise.all(jobs.map((job) => deliver(deps, job)));
    total += jobs.length;
    if (jobs.length < sendConcurrency) {
      return total;
    }
  }
}
