import { EnvError } from './env-error.js';

/** What an http(s) URL in the configuration may carry beyond its origin. */
export interface UrlRules {
  /** A path (`/oauth/google/callback`); without it the URL must be a bare origin and the origin is returned. */
  path: boolean;
  /** A query string (an outbound webhook endpoint may need one). */
  query: boolean;
}

/**
 * The one check every URL in the configuration goes through: absolute, http(s), no credentials, no fragment, and a
 * path or query only where `rules` allow them. Returns the normalised URL (the bare origin when no path is allowed).
 *
 * @example
 * httpUrl('PUBLIC_URL', 'https://bridge.example.com/', { path: false, query: false }) // 'https://bridge.example.com'
 */
export function httpUrl(variable: string, raw: string, rules: UrlRules): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EnvError(variable, `expected an absolute http(s) URL, got ${JSON.stringify(raw.slice(0, 50))}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EnvError(variable, 'expected an http(s) URL.');
  if (url.username !== '' || url.password !== '') throw new EnvError(variable, 'must not contain credentials.');
  if (url.hash !== '' || raw.includes('#')) throw new EnvError(variable, 'must not have a fragment.');
  if (url.search !== '' && !rules.query) throw new EnvError(variable, 'must not have a query.');
  if (!rules.path) {
    if (url.pathname !== '/' && url.pathname !== '') {
      throw new EnvError(variable, `expected an origin without a path, such as https://app.example.com.`);
    }
    return url.origin;
  }
  return url.toString();
}

/** A comma-separated list of origins (`https://app.example.com,https://admin.example.com`); empty entries are skipped. */
export function originList(variable: string, raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => httpUrl(variable, item, { path: false, query: false }));
}
