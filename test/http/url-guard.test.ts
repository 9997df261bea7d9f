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

  // Every spelling of a private, loopback, link-local or metadata address, IPv4 and IPv6.
  const forbidden: Array<[string, string]> = [
    ['loopback', '127.0.0.1'],
    ['loopback, elsewhere in 127/8', '127.254.1.2'],
    ['the cloud metadata service', '169.254.169.254'],
    ['link-local', '169.254.0.1'],
    ['private 10/8', '10.255.255.255'],
    ['private 172.16/12', '172.31.0.1'],
    ['private 192.168/16', '192.168.1.1'],
    ['carrier-grade NAT', '100.127.255.254'],
    ['"this" network', '0.0.0.0'],
    ['broadcast', '255.255.255.255'],
    ['multicast', '224.0.0.1'],
    ['reserved', '240.0.0.1'],
    ['benchmarking', '198.18.0.1'],
    ['documentation', '192.0.2.1'],
    ['IPv6 unspecified', '::'],
    ['IPv6 loopback', '::1'],
    ['IPv6 loopback, long form', '0:0:0:0:0:0:0:1'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0'],
    ['IPv6 unique local', 'fd12:3456:789a::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['IPv4-mapped loopback, dotted', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex (as URLs normalise it)', '::ffff:7f00:1'],
    ['IPv4-mapped metadata, long form', '0:0:0:0:0:ffff:a9fe:a9fe'],
    ['IPv4-mapped private, upper case', '::FFFF:10.0.0.1'],
    ['IPv4-translated (RFC 6145)', '::ffff:0:a9fe:a9fe'],
    ['IPv4-compatible loopback, dotted', '::127.0.0.1'],
    ['IPv4-compatible metadata, hex', '::a9fe:a9fe'],
    ['NAT64 of loopback', '64:ff9b::7f00:1'],
    ['NAT64 of metadata, dotted', '64:ff9b::169.254.169.254'],
    ['NAT64 local-use prefix', '64:ff9b:1::a00:1'],
    ['6to4 of loopback', '2002:7f00:1::1'],
    ['6to4 of metadata', '2002:a9fe:a9fe::'],
    ['6to4 of private', '2002:c0a8:101::1'],
    ['Teredo with a private server', '2001:0:a00:1::1'],
    ['Teredo with a loopback client (inverted bits)', '2001:0:808:808:0:0:80ff:fffe'],
    ['IPv6 documentation', '2001:db8::1'],
  ];
  it.each(forbidden)('refuses %s (%s)', (_what, address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each([
    ['public IPv4', '93.184.216.34'],
    ['public IPv6', '2606:2800:220:1:248:1893:25c8:1946'],
    ['IPv4-mapped public', '::ffff:93.184.216.34'],
    ['NAT64 of a public address (DNS64 networks)', '64:ff9b::5db8:d822'],
    ['6to4 of a public address', '2002:5db8:d822::1'],
  ])('allows %s (%s)', (_what, address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  it.each(['not an address', '', '127.0.0.1.nip.io', '1.2.3', '::gg'])(
    'refuses what is not an address: %j',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(true);
    },
  );

  // WHATWG URL parsing turns decimal, octal, hex and short IPv4 forms into dotted quads, and IPv6
  // literals into their canonical form: the guard sees what the connection would use.
  it.each([
    'http://127.0.0.1/hook',
    'http://2130706433/hook',
    'http://0x7f000001/hook',
    'http://0x7f.0.0.1/hook',
    'http://0177.0.0.1/hook',
    'http://017700000001/hook',
    'http://127.1/hook',
    'http://127.0.0.1./hook',
    'http://%31%32%37.0.0.1/hook',
    'http://0/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:169.254.169.254]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/hook',
    'http://[::127.0.0.1]/hook',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[2002:a9fe:a9fe::1]/',
    'https://[fe80::1]:8443/hook',
    'http://[fd00::1]/hook',
  ])('refuses the URL %s', async (url) => {
    expect(await outgoingUrlProblem(url, false, { resolve: false })).toMatch(
      /private, loopback or link-local/,
    );
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
