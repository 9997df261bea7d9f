import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  isWeekend,
  localDate,
  shipAndDeliver,
  zonedInstant,
} from '../../../src/modules/promising/calendar.js';

const la = 'America/Los_Angeles';
const berlin = 'Europe/Berlin';
const tokyo = 'Asia/Tokyo';

const promise = (
  now: string,
  timeZone: string,
  fields: { cutoff?: string; processingDays?: number; transitDays?: number } = {},
) =>
  shipAndDeliver({
    now: new Date(now),
    timeZone,
    cutoff: fields.cutoff ?? '15:00',
    processingDays: fields.processingDays ?? 0,
    transitDays: fields.transitDays ?? 0,
  });

/** The local wall clock as `YYYY-MM-DD HH:MM:SS`, by a formatter of the test's own. */
const wallClock = (instant: number, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(instant);

describe('addBusinessDays', () => {
  it.each([
    ['2026-11-25', 0, '2026-11-25'], // Wednesday
    ['2026-11-25', 1, '2026-11-26'],
    ['2026-11-25', 2, '2026-11-27'],
    ['2026-11-25', 3, '2026-11-30'], // over the weekend
    ['2026-11-27', 1, '2026-11-30'], // Friday -> Monday
    ['2026-11-28', 0, '2026-11-28'], // Saturday stays put with nothing to add
    ['2026-11-28', 1, '2026-11-30'], // Saturday -> Monday
    ['2026-11-29', 5, '2026-12-04'], // Sunday -> Friday
    ['2026-11-25', 5, '2026-12-02'],
    ['2026-11-25', 10, '2026-12-09'],
    ['2026-12-30', 3, '2027-01-04'], // over the new year
    ['2028-02-28', 1, '2028-02-29'], // leap day
  ])('%s + %i business days = %s', (date, days, expected) => {
    expect(addBusinessDays(date, days)).toBe(expected);
  });

  it('refuses negative and fractional day counts', () => {
    expect(() => addBusinessDays('2026-11-25', -1)).toThrow(RangeError);
    expect(() => addBusinessDays('2026-11-25', 1.5)).toThrow(RangeError);
  });

  it('agrees with counting one day at a time (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2099-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 400 }),
        (start, days) => {
          const date = start.toISOString().slice(0, 10);
          let current = date;
          for (let left = days; left > 0; ) {
            current = new Date(Date.parse(`${current}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
            if (!isWeekend(current)) {
              left -= 1;
            }
          }
          expect(addBusinessDays(date, days)).toBe(current);
        },
      ),
    );
  });
});

describe('zonedInstant', () => {
  it.each([
    ['2026-11-25', '15:00', la, '2026-11-25T23:00:00.000Z'],
    ['2026-07-01', '15:00', la, '2026-07-01T22:00:00.000Z'],
    ['2026-11-25', '15:00', berlin, '2026-11-25T14:00:00.000Z'],
    ['2026-11-25', '15:00', tokyo, '2026-11-25T06:00:00.000Z'],
    ['2026-11-25', '00:00', tokyo, '2026-11-24T15:00:00.000Z'],
    // Clocks go back: the first of the two 01:30s in Los Angeles, 02:30s in Berlin.
    ['2026-11-01', '01:30', la, '2026-11-01T08:30:00.000Z'],
    ['2026-10-25', '02:30', berlin, '2026-10-25T00:30:00.000Z'],
    // Clocks skip 02:00-03:00: the moment of the jump.
    ['2026-03-08', '02:30', la, '2026-03-08T10:00:00.000Z'],
    ['2026-03-29', '02:30', berlin, '2026-03-29T01:00:00.000Z'],
  ])('%s %s in %s is %s', (date, time, zone, expected) => {
    expect(new Date(zonedInstant(date, time, zone)).toISOString()).toBe(expected);
  });

  it('is the first instant the local clock reads that time or later (property)', () => {
    const zones = [
      la,
      berlin,
      tokyo,
      'Africa/Cairo',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.date({
          min: new Date('2015-01-01T00:00:00Z'),
          max: new Date('2035-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, day, hour, minute) => {
          const date = day.toISOString().slice(0, 10);
          const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const instant = zonedInstant(date, time, zone);
          const wanted = `${date} ${time}:00`;
          expect(wallClock(instant, zone) >= wanted).toBe(true);
          expect(wallClock(instant - 1000, zone) < wanted).toBe(true);
        },
      ),
    );
  });
});

describe('localDate', () => {
  it('is the date the local clock shows, whatever order instants come in (property)', () => {
    const zones = [
      la,
      berlin,
      tokyo,
      'Africa/Cairo',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Pacific/Apia',
    ];
    const near = (change: string) =>
      fc.integer({ min: -30 * 3_600_000, max: 30 * 3_600_000 }).map((ms) => Date.parse(change) + ms);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc.integer({ min: Date.parse('2010-01-01T00:00:00Z'), max: Date.parse('2035-12-31T00:00:00Z') }),
          near('2026-10-29T21:00:00Z'), // Cairo back at midnight
          near('2026-04-04T03:00:00Z'), // Santiago back at midnight
          near('2011-12-30T10:00:00Z'), // Samoa skips a whole day
          near('2026-03-29T01:00:00Z'),
        ),
        (zone, instant) => {
          expect(localDate(new Date(instant), zone)).toBe(wallClock(instant, zone).slice(0, 10));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('shipAndDeliver', () => {
  describe('around the cut-off (Wednesday 2026-11-25, 15:00 local)', () => {
    it.each([
      ['Los Angeles, a minute before', '2026-11-25T22:59:00Z', la, '2026-11-25'],
      ['Los Angeles, at the cut-off itself', '2026-11-25T23:00:00Z', la, '2026-11-25'],
      ['Los Angeles, a millisecond after', '2026-11-25T23:00:00.001Z', la, '2026-11-26'],
      ['Los Angeles, a minute after', '2026-11-25T23:01:00Z', la, '2026-11-26'],
      ['Berlin, a minute before', '2026-11-25T13:59:00Z', berlin, '2026-11-25'],
      ['Berlin, a minute after', '2026-11-25T14:01:00Z', berlin, '2026-11-26'],
      ['Tokyo, a minute before', '2026-11-25T05:59:00Z', tokyo, '2026-11-25'],
      ['Tokyo, a minute after', '2026-11-25T06:01:00Z', tokyo, '2026-11-26'],
    ])('%s ships %s', (_, now, zone, expected) => {
      expect(promise(now, zone).ship_date).toBe(expected);
    });
  });

  describe('near midnight, where the location and UTC disagree on the date', () => {
    it('Los Angeles late on Wednesday (already Thursday in UTC) counts from Thursday', () => {
      // 23:30 PST Wednesday: after the cut-off, so Thursday; not Friday as the UTC date would give.
      expect(promise('2026-11-26T07:30:00Z', la)).toEqual({
        ship_date: '2026-11-26',
        delivery_date: '2026-11-26',
      });
    });

    it('Los Angeles just after local midnight ships that day', () => {
      expect(promise('2026-11-26T08:30:00Z', la).ship_date).toBe('2026-11-26');
    });

    it('Tokyo just after midnight on Saturday (still Friday in UTC) waits for Monday', () => {
      expect(localDate(new Date('2026-11-27T15:30:00Z'), tokyo)).toBe('2026-11-28');
      expect(promise('2026-11-27T15:30:00Z', tokyo).ship_date).toBe('2026-11-30');
    });

    it('Tokyo early on Monday (still Sunday in UTC) ships Monday', () => {
      expect(promise('2026-11-29T23:30:00Z', tokyo).ship_date).toBe('2026-11-30');
    });
  });

  describe('weekends', () => {
    it('a Friday order before the cut-off ships Friday, after it Monday', () => {
      expect(promise('2026-11-27T22:00:00Z', la).ship_date).toBe('2026-11-27');
      expect(promise('2026-11-28T00:00:00Z', la).ship_date).toBe('2026-11-30');
    });

    it('a Saturday or Sunday order counts from Monday, even before the cut-off', () => {
      expect(promise('2026-11-28T17:00:00Z', la).ship_date).toBe('2026-11-30');
      expect(promise('2026-11-29T17:00:00Z', berlin).ship_date).toBe('2026-11-30');
    });

    it('transit skips the weekend', () => {
      expect(promise('2026-11-27T10:00:00Z', berlin, { transitDays: 1 })).toEqual({
        ship_date: '2026-11-27',
        delivery_date: '2026-11-30',
      });
      expect(promise('2026-11-26T10:00:00Z', berlin, { transitDays: 3 })).toEqual({
        ship_date: '2026-11-26',
        delivery_date: '2026-12-01',
      });
    });
  });

  describe('processing days', () => {
    it('are business days after the order day', () => {
      expect(promise('2026-11-26T10:00:00Z', berlin, { processingDays: 2 }).ship_date).toBe('2026-11-30');
      expect(promise('2026-11-26T15:00:00Z', berlin, { processingDays: 2 }).ship_date).toBe('2026-12-01');
    });

    it('start from Monday for a weekend order', () => {
      expect(promise('2026-11-28T10:00:00Z', tokyo, { processingDays: 1, transitDays: 2 })).toEqual({
        ship_date: '2026-12-01',
        delivery_date: '2026-12-03',
      });
    });
  });

  describe('daylight saving time', () => {
    it('Berlin keeps its 16:00 cut-off in local time on both sides of the October change', () => {
      // Friday 2026-10-23 is CEST (UTC+2); Monday 2026-10-26 is CET (UTC+1).
      expect(promise('2026-10-23T13:59:00Z', berlin, { cutoff: '16:00' }).ship_date).toBe('2026-10-23');
      expect(promise('2026-10-23T14:01:00Z', berlin, { cutoff: '16:00' }).ship_date).toBe('2026-10-26');
      expect(promise('2026-10-26T14:59:00Z', berlin, { cutoff: '16:00' }).ship_date).toBe('2026-10-26');
      expect(promise('2026-10-26T15:01:00Z', berlin, { cutoff: '16:00' }).ship_date).toBe('2026-10-27');
    });

    it('Los Angeles keeps its cut-off after the March change', () => {
      // Monday 2026-03-09 is PDT (UTC-7): 15:00 local is 22:00 UTC.
      expect(promise('2026-03-09T21:59:00Z', la).ship_date).toBe('2026-03-09');
      expect(promise('2026-03-09T22:01:00Z', la).ship_date).toBe('2026-03-10');
    });

    it('a cut-off inside the hour the clocks repeat is the first one, so dates never go back', () => {
      // Cairo turns its clocks back at midnight after Thursday 2026-10-29: 23:00-24:00 happens twice.
      // (Berlin and Los Angeles change on Sundays, when nothing ships anyway.)
      const cairo = { cutoff: '23:30' };
      expect(promise('2026-10-29T20:15:00Z', 'Africa/Cairo', cairo).ship_date).toBe('2026-10-29');
      expect(promise('2026-10-29T20:45:00Z', 'Africa/Cairo', cairo).ship_date).toBe('2026-10-30');
      // 23:15 again on the wall clock, but the cut-off has passed.
      expect(promise('2026-10-29T21:15:00Z', 'Africa/Cairo', cairo).ship_date).toBe('2026-10-30');
    });

    it('a cut-off the clocks skip falls at the jump', () => {
      // Berlin jumps from 02:00 to 03:00 on Sunday 2026-03-29; Cairo from 00:00 to 01:00 on Friday 2026-04-24.
      expect(promise('2026-04-23T21:59:00Z', 'Africa/Cairo', { cutoff: '00:30' }).ship_date).toBe(
        '2026-04-24',
      );
      expect(promise('2026-04-23T22:00:01Z', 'Africa/Cairo', { cutoff: '00:30' }).ship_date).toBe(
        '2026-04-27',
      );
    });
  });

  describe('properties', () => {
    const zones = [
      la,
      berlin,
      tokyo,
      'Africa/Cairo',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
    ];
    const input = fc.record({
      now: fc.date({
        min: new Date('2020-01-01T00:00:00Z'),
        max: new Date('2035-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
      timeZone: fc.constantFrom(...zones),
      cutoff: fc
        .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
        .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
      processingDays: fc.integer({ min: 0, max: 10 }),
      transitDays: fc.integer({ min: 0, max: 10 }),
    });

    it('delivery >= ship >= the local order date, and neither falls on a weekend', () => {
      fc.assert(
        fc.property(input, (given) => {
          const { ship_date, delivery_date } = shipAndDeliver(given);
          expect(ship_date >= localDate(given.now, given.timeZone)).toBe(true);
          expect(delivery_date >= ship_date).toBe(true);
          expect(isWeekend(ship_date)).toBe(false);
          expect(isWeekend(delivery_date)).toBe(false);
          expect(delivery_date).toBe(addBusinessDays(ship_date, given.transitDays));
        }),
        { numRuns: 500 },
      );
    });

    it('never promises an earlier date to a later order', () => {
      fc.assert(
        fc.property(input, fc.integer({ min: 0, max: 4 * 86_400_000 }), (given, later) => {
          const first = shipAndDeliver(given);
          const second = shipAndDeliver({ ...given, now: new Date(given.now.getTime() + later) });
          expect(second.ship_date >= first.ship_date).toBe(true);
          expect(second.delivery_date >= first.delivery_date).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('ships the same day exactly when ordered on a weekday up to the cut-off (Tokyo: no DST)', () => {
      fc.assert(
        fc.property(input, (given) => {
          const now = given.now;
          const local = wallClock(now.getTime(), tokyo);
          const date = local.slice(0, 10);
          const beforeCutoff =
            local.slice(11) < `${given.cutoff}:00` ||
            (local.slice(11) === `${given.cutoff}:00` && now.getUTCMilliseconds() === 0);
          const expected = !isWeekend(date) && beforeCutoff;
          const { ship_date } = shipAndDeliver({ ...given, timeZone: tokyo, processingDays: 0 });
          expect(ship_date === date).toBe(expected);
        }),
        { numRuns: 500 },
      );
    });

    it('is monotonic across the days the clocks change', () => {
      const changes = [
        '2026-03-08T10:00:00Z',
        '2026-11-01T09:00:00Z',
        '2026-03-29T01:00:00Z',
        '2026-10-25T01:00:00Z',
      ];
      fc.assert(
        fc.property(
          fc.constantFrom(...changes),
          fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 }),
          fc.integer({ min: 0, max: 6 * 3_600_000 }),
          input,
          (change, offset, later, given) => {
            const now = new Date(Date.parse(change) + offset);
            const first = shipAndDeliver({ ...given, now });
            const second = shipAndDeliver({ ...given, now: new Date(now.getTime() + later) });
            expect(second.ship_date >= first.ship_date).toBe(true);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
