import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('tracking configuration', () => {
  it('limits lookups to 10 and views to 1200 a minute per address, trusting no proxy, by default', () => {
    expect(loadConfig({})).toMatchObject({
      statusLinkDays: 90,
      trackLookupRateLimit: 20,
      trackRateLimit: 1200,
      trackRateLimitWindowMs: 60_000,
      trustProxy: false,
    });
  });

  it('reads the limits and which proxies to trust', () => {
    const config = loadConfig({
      ORDO_TRACK_LOOKUP_RATE_LIMIT: '5',
      ORDO_TRACK_RATE_LIMIT: '100',
      ORDO_TRACK_RATE_LIMIT_WINDOW_MS: '30000',
      ORDO_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7',
    });
    expect(config).toMatchObject({
      trackLookupRateLimit: 5,
      trackRateLimit: 100,
      trackRateLimitWindowMs: 30_000,
      trustProxy: ['10.0.0.0/8', '192.168.1.7'],
    });
    expect(loadConfig({ ORDO_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ORDO_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => loadConfig({ ORDO_TRACK_LOOKUP_RATE_LIMIT: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ORDO_TRACK_LOOKUP_RATE_LIMIT: 'ten' })).toThrow(/ORDO_TRACK_LOOKUP_RATE_LIMIT/);
    expect(() => loadConfig({ ORDO_TRUST_PROXY: 'everyone' })).toThrow(/ORDO_TRUST_PROXY/);
  });
});
