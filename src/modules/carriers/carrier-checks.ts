import type { Executor } from '../../db/client.js';
import { type FieldError, invalid } from '../../errors.js';
import { outgoingUrlProblem } from '../../http/url-guard.js';
import { locationIdsByCode } from '../catalog/index.js';
import type { CarrierAdapterKind, CarrierServiceInput } from './carriers.schemas.js';
import type { CarrierDeps } from './deps.js';
import { rateCardErrors } from './rate-card.js';

/**
 * Why an adapter setting cannot be saved: an `http` carrier needs an endpoint, and the endpoint must
 * be an http(s) URL without credentials (the token has its own write-only field) or a fragment.
 */
function adapterErrors(config: { adapter: CarrierAdapterKind; endpoint: string | null }): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (detail: string) => errors.push({ in: 'body', pointer: '/endpoint', detail });
  if (config.endpoint === null) {
    if (config.adapter === 'http') {
      fail('is required when the adapter is http');
    }
    return errors;
  }
  let url: URL;
  try {
    url = new URL(config.endpoint);
  } catch {
    fail('must be an absolute http or https URL');
    return errors;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail('must be an http or https URL');
  } else if (url.username !== '' || url.password !== '') {
    fail('must not carry credentials; send the token as api_token');
  } else if (url.hash !== '' || config.endpoint.includes('#')) {
    fail('must not have a fragment');
  }
  return errors;
}

/** RFC 6901: `~` and `/` in a key are escaped so the pointer names exactly that key. */
const pointerKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Everything JSON Schema cannot check in a list of services, each problem by pointer, service by service. */
async function servicesErrors(services: CarrierServiceInput[], tx: Executor): Promise<FieldError[]> {
  const known = await locationIdsByCode(
    tx,
    services.flatMap((service) => Object.keys(service.pickup_cutoffs ?? {})),
  );
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  services.forEach((service, i) => {
    if (seen.has(service.code)) {
      errors.push({
        in: 'body',
        pointer: `/services/${i}/code`,
        detail: `"${service.code}" is already the code of another service of this carrier`,
      });
    }
    seen.add(service.code);
    for (const error of rateCardErrors(service.rate_card, `/services/${i}/rate_card`)) {
      errors.push({ in: 'body', ...error });
    }
    for (const code of Object.keys(service.pickup_cutoffs ?? {})) {
      if (!known.has(code)) {
        errors.push({
          in: 'body',
          pointer: `/services/${i}/pickup_cutoffs/${pointerKey(code)}`,
          detail: `"${code}" is not a known location`,
        });
      }
    }
  });
  return errors;
}

/** Every problem with the adapter settings and (when given) the services, in one 422. */
export async function checkCarrier(
  { allowPrivateEndpoints }: Pick<CarrierDeps, 'allowPrivateEndpoints'>,
  services: CarrierServiceInput[] | undefined,
  adapter: { adapter: CarrierAdapterKind; endpoint: string | null },
  tx: Executor,
): Promise<void> {
  const errors = [...adapterErrors(adapter), ...(services ? await servicesErrors(services, tx) : [])];
  const address =
    adapter.endpoint !== null && errors.every((e) => e.pointer !== '/endpoint')
      ? await outgoingUrlProblem(adapter.endpoint, allowPrivateEndpoints)
      : undefined;
  if (address) {
    errors.push({ in: 'body', pointer: '/endpoint', detail: address });
  }
  if (errors.length > 0) {
    throw invalid(errors, 'The carrier is invalid; nothing was saved');
  }
}
