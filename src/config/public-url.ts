import { EnvError } from './env-error.js';
import { httpUrl } from './url.js';

/** Where Google sends the user back, under the bridge's base path. */
export const GOOGLE_CALLBACK_PATH = '/oauth/google/callback';

/** A base path's segments: what a route prefix and a cookie `Path` take as they are, with no encoding to agree on. */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * `PUBLIC_URL`: the bridge's public origin, optionally with the path it is mounted under
 * (`https://app.example.com/tokenbridge`), normalised without a trailing slash. Path segments are letters, digits and
 * `._~-` only, since the path becomes the route prefix and the cookies' `Path` as it is.
 *
 * @example
 * publicUrl('PUBLIC_URL', 'https://app.example.com/tokenbridge/') // 'https://app.example.com/tokenbridge'
 */
export function publicUrl(variable: string, raw: string): string {
  const url = new URL(httpUrl(variable, raw, { path: true, query: false }));
  const path = url.pathname.replace(/\/+$/, '');
  if (
    path !== '' &&
    !path
      .slice(1)
      .split('/')
      .every((segment) => SEGMENT.test(segment) && !/^\.+$/.test(segment))
  ) {
    throw new EnvError(
      variable,
      'the path may hold only letters, digits and ._~- between slashes, such as https://app.example.com/tokenbridge.',
    );
  }
  return url.origin + path;
}

/**
 * The path the bridge is mounted under: `PUBLIC_URL`'s path without a trailing slash, `''` at the origin's root.
 * Every route, the console and the cookies' `Path` sit under it.
 *
 * @example
 * basePath('https://app.example.com/tokenbridge') // '/tokenbridge'
 * basePath('https://bridge.example.com') // ''
 */
export function basePath(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}

/** `GOOGLE_REDIRECT_URI`'s default: the callback under `PUBLIC_URL` (`https://app.example.com/tokenbridge/oauth/google/callback`). */
export function defaultRedirectUri(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${GOOGLE_CALLBACK_PATH}`;
}

/** `PUBLIC_URL` as configured, or `http://localhost:$PORT` when it is not set. */
export function resolvePublicUrl(configured: string | undefined, port: number): string {
  return (configured ?? `http://localhost:${port}`).replace(/\/+$/, '');
}
