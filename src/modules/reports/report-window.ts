import { AppError, type FieldError } from '../../errors.js';
import { isTimeZone } from '../catalog/index.js';
import { defaultReportDays, maxReportDays, type ReportQuery } from './reports.schemas.js';

/** Pure: the days a report covers, checked. No database. */

export interface ReportWindow {
  /** First and last day, both included, as YYYY-MM-DD in `timeZone`. */
  from: string;
  to: string;
  timeZone: string;
}

const dayMs = 86_400_000;
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMillis = (day: string) => Date.parse(`${day}T00:00:00Z`);

export const queryError = (pointer: string, detail: string): FieldError => ({ in: 'query', pointer, detail });

/** Today's date in `timeZone`. */
export function todayIn(timeZone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/**
 * The window the query asks for, its defaults filled in: `to` today in the time zone, `from` 29 days
 * before `to`. An unknown time zone, `from` after `to` or more than `maxReportDays` days are a 422
 * naming the field.
 */
export function reportWindow(query: ReportQuery, now: Date): ReportWindow {
  const timeZone = query.time_zone;
  if (!isTimeZone(timeZone)) {
    throw invalidTimeZone(timeZone);
  }
  const to = query.to ?? todayIn(timeZone, now);
  const from = query.from ?? toDay(dayMillis(to) - (defaultReportDays - 1) * dayMs);
  const days = (dayMillis(to) - dayMillis(from)) / dayMs + 1;
  if (days < 1) {
    throw new AppError('validation_failed', '`from` is after `to`', {
      errors: [queryError('/from', `must be on or before \`to\` (${to})`)],
    });
  }
  if (days > maxReportDays) {
    throw new AppError('validation_failed', `A report covers at most ${maxReportDays} days`, {
      errors: [
        queryError(
          '/to',
          `must be at most ${maxReportDays - 1} days after \`from\` (${from}); that is ${days} days`,
        ),
      ],
    });
  }
  return { from, to, timeZone };
}

export function invalidTimeZone(timeZone: string): AppError {
  return new AppError('validation_failed', 'Unknown time zone', {
    errors: [queryError('/time_zone', `"${timeZone}" is not an IANA time zone`)],
  });
}
