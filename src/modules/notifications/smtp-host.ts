import { outgoingUrlProblem } from '../../http/url-guard.js';

/**
 * Why Ordo may not connect to this SMTP host, or undefined when it may: like webhook URLs, no private,
 * loopback or link-local address (as given or as the name resolves) unless the operator allowed them.
 */
export function smtpHostProblem(
  host: string,
  port: number,
  allowPrivate: boolean,
): Promise<string | undefined> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const literal = bare.includes(':') ? `[${bare}]` : bare;
  return outgoingUrlProblem(`http://${literal}:${port}/`, allowPrivate, { resolve: true });
}
