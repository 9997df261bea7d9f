import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readStatusLink, signStatusLink } from '../../../src/modules/tracking/status-link-token.js';

const secret = 'a-secret-of-at-least-thirty-two-characters';

describe('status-link tokens', () => {
  it('carry the order and version they were signed for, in 48 URL-safe characters', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 2 ** 32 - 1 }), (orderId, version) => {
        const token = signStatusLink(secret, { orderId, version });
        expect(token).toMatch(/^[A-Za-z0-9_-]{48}$/);
        expect(readStatusLink(secret, token)).toEqual({ claim: { orderId, version }, signed: true });
      }),
    );
  });

  it('are refused when any character changes, under another secret, or when malformed', () => {
    const token = signStatusLink(secret, { orderId: randomUUID(), version: 1 });
    for (let i = 0; i < token.length; i++) {
      const other = token[i] === 'A' ? 'B' : 'A';
      const tampered = `${token.slice(0, i)}${other}${token.slice(i + 1)}`;
      expect(readStatusLink(secret, tampered).signed).toBe(false);
    }
    expect(readStatusLink(`${secret}!`, token).signed).toBe(false);
    for (const junk of ['', 'x', token.slice(1), `${token}A`, `${token.slice(0, 47)}=`, '../'.repeat(16)]) {
      expect(readStatusLink(secret, junk)).toEqual({
        claim: { orderId: '00000000-0000-0000-0000-000000000000', version: 0 },
        signed: false,
      });
    }
  });
});
