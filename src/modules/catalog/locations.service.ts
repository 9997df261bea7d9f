import type { CatalogDeps } from './deps.js';
import { loadLocation } from './location-store.js';
import type { CreateLocation, UpdateLocation } from './locations.schemas.js';
import { createLocation, deactivateLocation, updateLocation } from './locations-edit.js';
import { type LocationListQuery, listLocations } from './locations-list.js';

export type LocationService = ReturnType<typeof createLocationService>;

export function createLocationService({
  db,
  channels,
  changed = () => {},
}: Pick<CatalogDeps, 'db' | 'channels'> & Partial<Pick<CatalogDeps, 'changed'>>) {
  const deps = { db, channels, changed };
  return {
    create: (input: CreateLocation) => createLocation(deps, input),
    get: (code: string) => loadLocation(db, code),
    list: (query: LocationListQuery) => listLocations(deps, query),
    update: (code: string, input: UpdateLocation) => updateLocation(deps, code, input),
    deactivate: (code: string) => deactivateLocation(deps, code),
  };
}
