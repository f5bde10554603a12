/**
 * Query parameters whose values may appear in a log line: they name what was asked for, never who asked. Everything
 * else is masked, so a parameter nobody thought of (`__clerk_db_jwt`, `__session`, `__clerk_handshake`,
 * `oauth_token`, …) cannot carry a session into the logs.
 */
const SHOWN_PARAMS = new Set(['scope', 'alt', 'fields', 'pagesize', 'error', 'google_connect', 'prompt']);
/** A parameter name longer than this, or with other characters, may itself be a secret: it is masked too. */
const PLAIN_NAME = /^[A-Za-z0-9_.\-[\]]{1,32}$/;
const MASK = '[redacted]';

/**
 * A URL (path and query, as a server receives it) fit for a log line: the path as it is, every query value masked
 * unless its parameter is on the allow-list.
 *
 * @example
 * redactUrl('/?__clerk_db_jwt=dvb_123&scope=drive.readonly') // '/?__clerk_db_jwt=[redacted]&scope=drive.readonly'
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const withoutHash = hash === -1 ? url : url.slice(0, hash);
  const question = withoutHash.indexOf('?');
  if (question === -1) return withoutHash;
  const query = withoutHash.slice(question + 1);
  const masked = query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      const name = PLAIN_NAME.test(rawName) ? rawName : MASK;
      // A bare `?word` is as likely a value as a name: shown only when it is an allowed name.
      if (equals === -1) return SHOWN_PARAMS.has(name.toLowerCase()) ? name : MASK;
      return `${name}=${name !== MASK && SHOWN_PARAMS.has(name.toLowerCase()) ? pair.slice(equals + 1) : MASK}`;
    })
    .join('&');
  return `${withoutHash.slice(0, question)}?${masked}`;
}
