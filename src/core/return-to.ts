import { InvalidRequestError } from './errors.js';

/** Any origin works as the base: only whether the value stays on it matters. */
const BASE = 'https://tokenbridge.invalid';
/** How many layers of percent-encoding are looked through before giving up. */
const DECODE_DEPTH = 3;

/**
 * Accepts only a same-origin relative path (`/settings?tab=google`) to send the user back to after consent, so the
 * callback can never become an open redirect. The value is parsed once with the WHATWG parser (what browsers use) and
 * only its normalised `pathname + search + hash` is returned, so what is stored is what the browser will follow.
 * Refused: another origin, a path that starts with `//` or holds a backslash, dot segments raw or percent-encoded
 * (`/.//evil.test` normalises to `//evil.test`), control characters and tabs, and the same tricks behind encoding.
 * No value is `home` (default `/`; a bridge mounted under a path passes its own, `/tokenbridge/`).
 *
 * @example
 * safeReturnTo('/settings') // '/settings'
 * safeReturnTo('//evil.test') // throws InvalidRequestError
 * safeReturnTo('/a/..//evil.test') // throws InvalidRequestError
 */
export function safeReturnTo(value: string | undefined | null, home = '/'): string {
  if (value === undefined || value === null || value === '') return home;
  const refuse = () => new InvalidRequestError('return_to must be a relative path on this site, such as /settings.');
  if (typeof value !== 'string' || value.length > 2048) throw refuse();
  for (const layer of decodings(value)) {
    if (layer === null || !isPlainPath(layer)) throw refuse();
  }
  // Dot segments are judged on the path alone, in every decoding of it: the parser resolves `%2e` as `.` too.
  for (const layer of decodings(rawPath(value))) {
    if (layer === null || hasDotSegment(layer)) throw refuse();
  }
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    throw refuse();
  }
  if (url.origin !== BASE || !isPlainPath(url.pathname)) throw refuse();
  return url.pathname + url.search + url.hash;
}

/**
 * The `Location` for sending the browser back to `path` with `google_connect=<outcome>`, checked once more as the
 * browser will read it; anything that would leave the origin becomes `home` (default `/`).
 *
 * @example
 * returnLocation('/settings?tab=google', 'connected') // '/settings?tab=google&google_connect=connected'
 * returnLocation('//evil.test', 'connected', '/tokenbridge/') // '/tokenbridge/?google_connect=connected'
 */
export function returnLocation(path: string, outcome: string, home = '/'): string {
  const fallback = `${home}?google_connect=${encodeURIComponent(outcome)}`;
  let url: URL;
  try {
    url = new URL(safeReturnTo(path, home), BASE);
  } catch {
    return fallback;
  }
  url.searchParams.set('google_connect', outcome);
  const location = url.pathname + url.search + url.hash;
  if (url.origin !== BASE || !isPlainPath(url.pathname) || new URL(location, BASE).origin !== BASE) {
    return fallback;
  }
  return location;
}

/** The value and each percent-decoding of it, until it stops changing; `null` for one that does not decode. */
function decodings(value: string): Array<string | null> {
  const layers: Array<string | null> = [value];
  let current = value;
  for (let i = 0; i < DECODE_DEPTH; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      layers.push(null);
      break;
    }
    if (next === current) break;
    layers.push(next);
    current = next;
  }
  return layers;
}

/** The path part of a raw relative URL: everything before its first `?` or `#`. */
function rawPath(value: string): string {
  const end = value.search(/[?#]/);
  return end === -1 ? value : value.slice(0, end);
}

function hasDotSegment(path: string): boolean {
  return path.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

function isPlainPath(path: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
  return path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') && !/[\u0000-\u001f\u007f]/.test(path);
}
