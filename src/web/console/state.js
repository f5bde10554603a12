// What the console holds while it runs. The access token lives here, in memory only: never in storage, never in a URL.

import { scopeUrl } from '../words.js';

/** The identity scopes every connection carries; the console never offers or counts them as access. */
const BASIC = new Set([
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
]);

export const isBasic = (scope) => BASIC.has(scopeUrl(scope));

export const state = {
  /** `GET /api/config`: `{ publishableKey, googleClientId, gsiClientUrl }`. */
  config: null,
  clerk: null,
  /** The shipped browser client (`tokenbridge/client`), bound to the Clerk session. */
  client: null,
  connection: null,
  /** The last token the bridge handed out: `{accessToken, expiresAt, scopes, source}`. */
  token: null,
  drive: { page: 0, next: null },
  lastScopes: ['drive.readonly'],
  gsi: null,
  signInMounted: false,
  userId: null,
};
