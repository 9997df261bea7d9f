import { describe, expect, it } from 'vitest';
import { guardedLookup, isForbiddenAddress, outgoingUrlProblem } from '../../src/http/url-guard.js';
import { retryAfterSeconds } from '../../src/modules/webhooks/index.js';

describe('webhook URL guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.0.0.5', true],
    ['172.20.1.1', true],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:10.0.0.1', true],
    ['93.184.216.34', false],
    ['2606:2800:220:1:248:1893:25c8:1946', false],
  ])('%s forbidden: %s', (address, forbidden) => {
    expect(isForbiddenAddress(address)).toBe(forbidden);
  });

  it('refuses credentials and other schemes even when private targets are allowed', async () => {
    expect(await outgoingUrlProblem('https://user:secret@example.com/x', true)).toMatch(/credentials/);
    expect(await outgoingUrlProblem('file:///etc/passwd', true)).toMatch(/http or https/);
    expect(await outgoingUrlProblem('not a url', true)).toMatch(/not a valid URL/);
    expect(await outgoingUrlProblem('http://127.0.0.1:8080/x', true)).toBeUndefined();
    expect(await outgoingUrlProblem('https://93.184.216.34/x', false)).toBeUndefined();
  });

  it('refuses at connection time a host name that resolves to a private address', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('localhost', {}, (err) => resolve(err)),
    );
    expect(error?.code).toBe('EWEBHOOKADDRESS');
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-11-27T10:00:00Z');
  it('reads seconds and HTTP dates, capped at a day', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Fri, 27 Nov 2026 10:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('999999', now)).toBe(86_400);
    expect(retryAfterSeconds('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(undefined, now)).toBeNull();
  });
});
