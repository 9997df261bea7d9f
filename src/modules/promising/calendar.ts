/**
 * Ship and delivery dates in a location's own time zone: business days are Monday to Friday, an order
 * after the location's cut-off (or on a weekend) counts from the next business day. Pure: no database,
 * no clock; dates are `YYYY-MM-DD` strings of the location's calendar.
 */

const dayMs = 86_400_000;
const hourMs = 3_600_000;

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The wall-clock reading of an instant in a time zone, expressed as if that reading were UTC
 * (milliseconds since the epoch): comparing two readings compares local dates and times.
 */
function wallClock(instant: number, timeZone: string): number {
  const parts = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type in parts) {
      parts[part.type as keyof typeof parts] = Number(part.value);
    }
  }
  const millis = instant - Math.floor(instant / 1000) * 1000;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + millis;
}

const isoDate = (wall: number) => new Date(wall).toISOString().slice(0, 10);

/** Dates as whole days since 1970-01-01, so adding days and finding weekdays is arithmetic. */
const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / dayMs);
const dateOf = (day: number) => isoDate(day * dayMs);
/** 0 is Sunday, 6 Saturday; 1970-01-01 was a Thursday. */
const weekdayOf = (day: number) => (((day + 4) % 7) + 7) % 7;

export const isWeekend = (date: string) => {
  const weekday = weekdayOf(dayNumber(date));
  return weekday === 0 || weekday === 6;
};

const plusDays = (date: string, days: number) => dateOf(dayNumber(date) + days);

/** The date `days` business days (Monday to Friday) after `date`; 0 days is the date itself. */
export function addBusinessDays(date: string, days: number): string {
  if (!Number.isInteger(days) || days < 0) {
    throw new RangeError(`business days must be a whole number of at least 0, not ${days}`);
  }
  if (days === 0) {
    return date;
  }
  let day = dayNumber(date);
  let weekday = weekdayOf(day);
  // From a weekend, counting goes as from the Friday before: one business day later is Monday.
  if (weekday === 6 || weekday === 0) {
    day -= weekday === 6 ? 1 : 2;
    weekday = 5;
  }
  const rest = days % 5;
  day += Math.floor(days / 5) * 7 + rest + (weekday + rest > 5 ? 2 : 0);
  return dateOf(day);
}

/** The first business day after `date`. */
export const nextBusinessDay = (date: string) => addBusinessDays(date, 1);

/**
 * Per time zone, the local day seen last and the instants it spans: most calls fall in the same day
 * and skip Intl. The span runs from the first instant the clock reads the day's 00:00 to the first it
 * reads the next day's 00:00 (zones that turn their clocks back at midnight go from 24:00 to 23:00 of
 * the same day, so every instant in the span has that date).
 */
const currentDays = new Map<string, { date: string; from: number; to: number }>();

/** The local calendar date of an instant in a time zone. */
export function localDate(now: Date, timeZone: string): string {
  const instant = now.getTime();
  const known = currentDays.get(timeZone);
  if (known && instant >= known.from && instant < known.to) {
    return known.date;
  }
  const date = isoDate(wallClock(instant, timeZone));
  const from = zonedInstant(date, '00:00', timeZone);
  const to = zonedInstant(plusDays(date, 1), '00:00', timeZone);
  if (from <= instant && instant < to) {
    currentDays.set(timeZone, { date, from, to });
  }
  return date;
}

/**
 * The first instant at which the local clock reads `time` (HH:MM) or later on `date`: the earlier one
 * when the clock goes back over it (autumn), the moment of the jump when the clock skips it (spring).
 */
export function zonedInstant(date: string, time: string, timeZone: string): number {
  const key = `${timeZone} ${date} ${time}`;
  let instant = instants.get(key);
  if (instant === undefined) {
    if (instants.size >= maxRemembered) {
      instants.clear();
    }
    instant = findInstant(date, time, timeZone);
    instants.set(key, instant);
  }
  return instant;
}

/** Cut-off instants already worked out: the same few (location, day) pairs come up on every request. */
const instants = new Map<string, number>();
const maxRemembered = 10_000;

function findInstant(date: string, time: string, timeZone: string): number {
  const wanted = Date.parse(`${date}T${time}:00Z`);
  // Every offset in use is within ±14 h, and at most one transition falls in a 28-hour window.
  const offsets = new Set([
    wallClock(wanted - 14 * hourMs, timeZone) - (wanted - 14 * hourMs),
    wallClock(wanted + 14 * hourMs, timeZone) - (wanted + 14 * hourMs),
  ]);
  const candidates = [...offsets].map((offset) => wanted - offset);
  const exact = candidates.filter((instant) => wallClock(instant, timeZone) === wanted);
  if (exact.length > 0) {
    return Math.min(...exact);
  }
  // The clock skipped `time`: find the jump, to the second.
  let low = Math.floor(Math.min(...candidates) / 1000);
  let high = Math.ceil(Math.max(...candidates) / 1000);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallClock(middle * 1000, timeZone) >= wanted) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return high * 1000;
}

export interface ShipDateInput {
  now: Date;
  /** IANA time zone of the shipping location. */
  timeZone: string;
  /** Local HH:MM: orders after it count from the next business day. */
  cutoff: string;
  /** Business days between the order day and the ship date. */
  processingDays: number;
}

/**
 * The business day an order placed at `now` counts from: today when it is a business day and the
 * cut-off has not passed (an order at the cut-off itself still makes it), else the next business day.
 * Cut-offs are compared as instants, so the result never goes back as `now` moves forward, even on
 * the night the clocks go back.
 */
export function orderDay({ now, timeZone, cutoff }: Omit<ShipDateInput, 'processingDays'>): string {
  let day = localDate(now, timeZone);
  if (isWeekend(day)) {
    day = nextBusinessDay(day);
  }
  while (now.getTime() > zonedInstant(day, cutoff, timeZone)) {
    day = nextBusinessDay(day);
  }
  return day;
}

/** The date a parcel leaves the location: the order day plus the processing days. */
export function shipDate(input: ShipDateInput): string {
  return addBusinessDays(orderDay(input), input.processingDays);
}

/** Ship date, then delivery `transitDays` business days later (0 for same-day delivery). */
export function shipAndDeliver(input: ShipDateInput & { transitDays: number }): {
  ship_date: string;
  delivery_date: string;
} {
  const ship = shipDate(input);
  return { ship_date: ship, delivery_date: addBusinessDays(ship, input.transitDays) };
}
