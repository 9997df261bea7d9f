/**
 * A start-up failure the operator can fix (a folder in use, a port taken, no database to use): main
 * prints `ordo: <message>` as the one line they see and exits 1. The message says what happened and
 * what to do next.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/** Why the HTTP server could not listen, as a StartupError when the operator can fix it; else `err`. */
export function listenError(err: unknown, host: string, port: number): unknown {
  const where = `cannot listen on ${host}:${port}`;
  switch (codeOf(err)) {
    case 'EADDRINUSE':
      return new StartupError(
        `${where}: the port is in use by another program; stop it, or set PORT to a free port`,
      );
    case 'EACCES':
      return new StartupError(
        `${where}: permission denied (ports below 1024 need privileges); set PORT to 1024 or above`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `${where}: this machine has no such address; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`,
      );
    default:
      return err;
  }
}

const unreachable = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);
/** SQLSTATEs of a refused login: bad password, no such role or database, not allowed by pg_hba.conf. */
const refused = new Set(['28P01', '28000', '3D000']);

/** A connection to `variable`'s server that failed, as a StartupError naming the server (not the password); else `err`. */
export function databaseUrlError(err: unknown, databaseUrl: string, variable = 'DATABASE_URL'): unknown {
  const code = codeOf(err);
  if (typeof code !== 'string' || !(unreachable.has(code) || refused.has(code))) {
    return err;
  }
  const url = new URL(databaseUrl);
  const server = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  const reason = err instanceof Error && err.message ? err.message : code;
  return new StartupError(
    `cannot use the PostgreSQL in ${variable} (${server}): ${reason}; check that the server runs and that ${variable} is right`,
  );
}
