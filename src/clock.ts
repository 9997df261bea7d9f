/** Time as a dependency, so expiry, SLAs and promise dates are testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
