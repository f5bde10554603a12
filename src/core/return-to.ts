import { InvalidRequestError } from './errors.js';

/**
 * Accepts only a same-origin relative path (`/settings?tab=google`) to send the user back to after consent, so the
 * callback can never become an open redirect. Rejects `//host`, `/\host`, schemes, backslashes, control characters
 * and the same tricks hidden behind percent-encoding.
 *
 * @example
 * safeReturnTo('/settings') // '/settings'
 * safeReturnTo('//evil.test') // throws InvalidRequestError
 */
export function safeReturnTo(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return '/';
  const refuse = () => new InvalidRequestError('return_to must be a relative path on this site, such as /settings.');
  if (typeof value !== 'string' || value.length > 2048) throw refuse();
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    if (!isPlainPath(decoded)) throw refuse();
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      throw refuse();
    }
    if (next === decoded) break;
    decoded = next;
  }
  // The WHATWG parser is what browsers use: the path must stay on the base origin.
  const base = 'https://tokenbridge.invalid';
  if (new URL(value, base).origin !== base) throw refuse();
  return value;
}

function isPlainPath(path: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
  return path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') && !/[\u0000-\u001f\u007f]/.test(path);
}
