import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IPv6 ranges whose last 32 bits (or, for 6to4 and Teredo, other bits) are an IPv4 address the
 * packets end up at: such an address is as forbidden as the IPv4 address it carries.
 */
const carriers = {
  mapped: ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), // IPv4-mapped, in any spelling
  translated: ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'), // RFC 6145 IPv4-translated
  compatible: ipaddr.IPv6.parseCIDR('::/96'), // IPv4-compatible (deprecated), `::a.b.c.d`
  nat64: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), // RFC 6052 well-known NAT64 prefix
  sixToFour: ipaddr.IPv6.parseCIDR('2002::/16'), // 6to4: 2002:AABB:CCDD::/48
  teredo: ipaddr.IPv6.parseCIDR('2001::/32'), // Teredo: server in bits 32-63, client (inverted) in the last 32
};

const ipv4 = (high: number, low: number) =>
  new ipaddr.IPv4([(high >> 8) & 0xff, high & 0xff, (low >> 8) & 0xff, low & 0xff]);

/** The IPv4 addresses an IPv6 address leads to, or undefined when it embeds none. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const [, p1 = 0, p2 = 0, p3 = 0, , , p6 = 0, p7 = 0] = address.parts;
  if (
    address.match(carriers.mapped) ||
    address.match(carriers.translated) ||
    address.match(carriers.compatible) ||
    address.match(carriers.nat64)
  ) {
    return [ipv4(p6, p7)];
  }
  if (address.match(carriers.sixToFour)) {
    return [ipv4(p1, p2)];
  }
  if (address.match(carriers.teredo)) {
    return [ipv4(p2, p3), ipv4(~p6, ~p7)];
  }
  return undefined;
}

/**
 * True for every address that is not plain public unicast: private, loopback, link-local (cloud
 * metadata services live at 169.254.169.254), carrier-grade NAT, multicast, reserved and
 * documentation ranges, by ipaddr.js's special-purpose registry. An IPv6 address that embeds an
 * IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address it leads to.
 * Anything that does not parse as an address is forbidden too.
 */
export function isForbiddenAddress(address: string): boolean {
  if (net.isIP(address) === 0) {
    return true;
  }
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return true;
  }
  if (parsed.kind() === 'ipv4') {
    return parsed.range() !== 'unicast';
  }
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    return embedded.some((v4) => v4.range() !== 'unicast');
  }
  return v6.range() !== 'unicast';
}

/** The host of a URL as `net` understands it (IPv6 literals lose their brackets). */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Why `raw` may not be a URL Ordo calls out to (a webhook, a carrier API), or undefined when it may:
 * http(s) only, no credentials, and, unless `allowPrivate`, no private, loopback or link-local address, for an IP literal or (with
 * `resolve`) for any address the host name resolves to. Deliveries skip resolving here: their
 * connections resolve through `guardedLookup`, within the attempt's timeout.
 */
export async function outgoingUrlProblem(
  raw: string,
  allowPrivate: boolean,
  { resolve = true }: { resolve?: boolean } = {},
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return 'must be an http or https URL';
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not carry credentials; authenticate requests by their signature';
  }
  if (allowPrivate) {
    return undefined;
  }
  const host = hostOf(url);
  if (net.isIP(host) !== 0) {
    return isForbiddenAddress(host) ? 'points at a private, loopback or link-local address' : undefined;
  }
  if (!resolve) {
    return undefined;
  }
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    return `has a host name that does not resolve (${host})`;
  }
  return addresses.some((a) => isForbiddenAddress(a.address))
    ? 'resolves to a private, loopback or link-local address'
    : undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for outgoing connections that refuses forbidden addresses after resolution, so a host
 * name cannot be re-pointed at an internal address between the URL check and the connection.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, []);
      return;
    }
    const allowed = addresses.filter((a) => !isForbiddenAddress(a.address));
    const [first] = allowed;
    if (first === undefined) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to a private, loopback or link-local address`,
      );
      refused.code = 'EWEBHOOKADDRESS';
      callback(refused, []);
      return;
    }
    if (options.all) {
      callback(null, allowed);
    } else {
      callback(null, first.address, first.family);
    }
  });
}
