// The bridge's HTTP API as the console uses it. Every call carries the Clerk session token as a Bearer header (the
// `__session` cookie would do too); results are `{ ok: true, data }` or `{ ok: false, problem }` so the page can show
// each failure in words.

/** A bridge client bound to a function that yields a fresh Clerk session token. */
export function createApi(getSessionToken) {
  const call = async (method, path, { body, headers } = {}) => {
    let response;
    try {
      const token = await getSessionToken();
      response = await fetch(path, {
        method,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      return { ok: false, problem: { code: 'network', message: 'network error' } };
    }
    if (response.status === 204) return { ok: true, data: null, status: 204 };
    const payload = await response.json().catch(() => null);
    if (response.ok) return { ok: true, data: payload, status: response.status };
    return { ok: false, problem: problemOf(response, payload) };
  };

  return {
    connection: () => call('GET', '/api/google/connection'),
    disconnect: () => call('DELETE', '/api/google/connection'),
    token: (scopes) => call('GET', `/api/google-token${scopeQuery(scopes)}`),
    exchangeCode: (code) =>
      call('POST', '/api/google/code', { body: { code }, headers: { 'x-requested-with': 'XmlHttpRequest' } }),
    proxy: (service, path) => call('GET', `/api/google/proxy/${service}/${path}`),
  };
}

/** `?scope=a&scope=b`, or nothing. */
export function scopeQuery(scopes) {
  const params = new URLSearchParams();
  for (const scope of scopes ?? []) params.append('scope', scope);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/**
 * The bridge answers `{error:{code,message,…}}` with a string code; Google (through the proxy) answers
 * `{error:{code:<number>,message,status,errors:[{reason}]}}`. Both become one `problem`.
 */
function problemOf(response, payload) {
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  const extra = Number.isFinite(retryAfter) ? { retryAfter } : {};
  const error = payload && typeof payload === 'object' ? payload.error : undefined;
  if (error && typeof error === 'object' && typeof error.code === 'string') return { ...error, ...extra };
  if (error && typeof error === 'object') {
    const reason = Array.isArray(error.errors) ? error.errors[0]?.reason : undefined;
    if (response.status === 429 || reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded') {
      return { code: 'rate_limited', message: error.message, ...extra };
    }
    if (response.status === 401) return { code: 'google_unauthenticated', message: error.message };
    return { code: 'google_error', message: error.message ?? `Google answered ${response.status}`, ...extra };
  }
  if (response.status === 401) return { code: 'unauthenticated', message: 'Not signed in' };
  if (response.status >= 500) return { code: 'upstream_unavailable', message: `HTTP ${response.status}`, ...extra };
  return { code: 'unknown', message: `HTTP ${response.status}` };
}
