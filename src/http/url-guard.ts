import dns from 'node:dns';
import net from 'node:net';

/** Addresses a webhook may not reach unless the operator allows private targets. */
const forbidden = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

/** True for private, loopback, link-local and other non-public addresses (IPv4-mapped IPv6 included). */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) {
    return forbidden.check(address, 'ipv4');
  }
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return mapped ? forbidden.check(mapped, 'ipv4') : forbidden.check(address, 'ipv6');
  }
  return true;
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
