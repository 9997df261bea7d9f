// The /v1 API, called with the signed-in key in the Authorization header. The key lives in this tab's
// sessionStorage only: never in a URL, a cookie or local storage, and it is gone when the tab closes.

const keyName = 'ordo.console.key';

export const session = {
  key: () => sessionStorage.getItem(keyName),
  start: (key) => sessionStorage.setItem(keyName, key),
  end: () => sessionStorage.removeItem(keyName),
};

/** A problem+json answer (or a network failure) as an Error whose message a person can read. */
export class ApiError extends Error {
  constructor(status, problem) {
    const fields = (problem.errors ?? []).map((e) => `${e.pointer ?? ''} ${e.detail ?? ''}`.trim());
    super([problem.detail || problem.title || `HTTP ${status}`, ...fields].join(' — '));
    this.status = status;
    this.problem = problem;
  }
}

/** Called when the API says the key is no longer good (401): the app signs out. */
let onUnauthorized = () => {};
export const whenUnauthorized = (fn) => {
  onUnauthorized = fn;
};

function headersFor(key, body, accept) {
  const headers = { accept };
  if (key) {
    headers.authorization = `Bearer ${key}`;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  return headers;
}

/** Sends a request; resolves with the Response when it is 2xx, throws ApiError otherwise. */
async function send(path, { method = 'GET', body, key = session.key(), accept = 'application/json' } = {}) {
  let res;
  try {
    res = await fetch(`/v1${path}`, {
      method,
      headers: headersFor(key, body, accept),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, { detail: 'Ordo did not answer: is it running?' });
  }
  if (res.ok) {
    return res;
  }
  const problem = await res.json().catch(() => ({}));
  if (res.status === 401 && key === session.key()) {
    onUnauthorized(problem);
  }
  throw new ApiError(res.status, problem);
}

/** JSON in, JSON out; a 204 resolves with null. */
export async function api(path, options) {
  const res = await send(path, options);
  return res.status === 204 ? null : res.json();
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}`;
}

/**
 * Fetches a CSV with the key in the header and saves it through a Blob (a plain link would need the
 * key in its URL), under the file name the API gives, else `filename`.
 */
export async function downloadCsv(path, filename) {
  const res = await send(path, { accept: 'text/csv' });
  const named = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = named ?? filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
