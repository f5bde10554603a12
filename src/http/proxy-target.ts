import { InvalidRequestError } from '../core/errors.js';

/** The Google APIs the proxy reaches, and nothing else. */
export const PROXY_SERVICES = ['drive', 'people', 'gmail', 'calendar'] as const;
export type ProxyService = (typeof PROXY_SERVICES)[number];

/** Each service's fixed Google origin and the path prefix its requests must stay under. */
const TARGETS: Record<ProxyService, { origin: string; prefix: string }> = {
  drive: { origin: 'https://www.googleapis.com', prefix: '/drive/' },
  calendar: { origin: 'https://www.googleapis.com', prefix: '/calendar/' },
  people: { origin: 'https://people.googleapis.com', prefix: '/v1/' },
  gmail: { origin: 'https://gmail.googleapis.com', prefix: '/gmail/' },
};

const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:%/]*$/;
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;

/**
 * Maps the part of a proxy URL after `/api/google/proxy/` (raw, as received: `drive/v3/files?pageSize=10`) to the
 * Google URL it stands for. Only the four services are reachable, each on its fixed host (or on `baseUrl`, the one
 * origin that serves every Google API in the sandbox), and the path cannot climb out of the service's prefix:
 * dot segments, backslashes, `@`, doubled slashes and their percent-encoded forms are refused.
 *
 * @example
 * proxyTarget('drive/v3/files?pageSize=10') // https://www.googleapis.com/drive/v3/files?pageSize=10
 * proxyTarget('gmail/gmail/v1/users/me/labels') // https://gmail.googleapis.com/gmail/v1/users/me/labels
 * proxyTarget('people/v1/people/me/connections') // https://people.googleapis.com/v1/people/me/connections
 */
export function proxyTarget(rawRest: string, baseUrl?: string): { service: ProxyService; url: URL } {
  const refuse = (why: string) => new InvalidRequestError(`The proxy path is not allowed: ${why}.`);
  const queryAt = rawRest.indexOf('?');
  const path = queryAt === -1 ? rawRest : rawRest.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawRest.slice(queryAt + 1);
  const slash = path.indexOf('/');
  const service = slash === -1 ? path : path.slice(0, slash);
  if (!(PROXY_SERVICES as readonly string[]).includes(service)) {
    throw refuse(`the service must be one of ${PROXY_SERVICES.join(', ')}`);
  }
  const rest = slash === -1 ? '' : path.slice(slash + 1);
  if (rest === '') throw refuse('a Google API path is required after the service');
  if (!PATH_CHARS.test(rest)) throw refuse('it contains characters that are not allowed in a path');
  if (!QUERY_CHARS.test(query) || query.length > 4096) throw refuse('the query string is malformed');
  // Encoded separators and dots are how paths escape their prefix after one more decode on the far side.
  if (/%(2e|2f|5c|25|00)/i.test(rest)) throw refuse('encoded separators are not allowed');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw refuse('the percent-encoding is malformed');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) throw refuse('control characters and backslashes are not allowed');
  const segments = rest.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw refuse('empty and dot segments are not allowed');
  }
  const target = TARGETS[service as ProxyService];
  const origin = baseUrl ? new URL(baseUrl).origin : target.origin;
  // Both spellings reach the same place: `drive/v3/files` and the full Google path `drive/drive/v3/files`.
  const local =
    service !== 'people' && rest.startsWith(target.prefix.slice(1)) ? rest.slice(target.prefix.length - 1) : rest;
  if (local === '') throw refuse('a Google API path is required after the service');
  const pathname = service === 'people' ? `/${local}` : `${target.prefix}${local}`;
  const url = new URL(pathname + (query ? `?${query}` : ''), origin);
  // Belt and braces: whatever the parser made of it must still sit on the mapped origin, under the prefix.
  if (url.origin !== origin || !url.pathname.startsWith(target.prefix) || url.username !== '' || url.password !== '') {
    throw refuse('it leaves the service');
  }
  return { service: service as ProxyService, url };
}
