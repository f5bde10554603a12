import type { ServiceConfig } from '../../config/env.js';
import { googleEndpoints } from '../../core/google-oauth.js';
import { CHECK_TIMEOUT_MS, type CheckResult, fail, pass, warn } from './check.js';
import { describeError } from './clerk-check.js';

const TITLE = 'Google OAuth client';

/**
 * Proves the client id and secret without a user: the token endpoint is asked to redeem a code that cannot exist.
 * `invalid_grant` means Google authenticated the client and only refused the code; `invalid_client` means the id or
 * secret is wrong.
 */
export async function checkGoogleClient(google: ServiceConfig['google']): Promise<CheckResult> {
  const endpoint = googleEndpoints(google.baseUrl).token;
  let status: number;
  let body: { error?: string; error_description?: string };
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: '4/tokenbridge-doctor-not-a-real-code',
        client_id: google.clientId,
        client_secret: google.clientSecret,
        redirect_uri: google.redirectUri,
      }),
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    status = response.status;
    body = (await response.json().catch(() => ({}))) as typeof body;
  } catch (error) {
    return fail(
      TITLE,
      `Could not reach Google's token endpoint ${endpoint}: ${describeError(error)}.`,
      'Check network access to oauth2.googleapis.com (and GOOGLE_BASE_URL, if set).',
    );
  }
  const clientIdShape = /\.apps\.googleusercontent\.com$/.test(google.clientId);
  switch (body.error) {
    case 'invalid_grant':
      return clientIdShape
        ? pass(TITLE, `Google accepted the client id and secret (a made-up code was refused with invalid_grant).`)
        : warn(
            TITLE,
            'Google accepted the credentials, but GOOGLE_CLIENT_ID does not end in .apps.googleusercontent.com.',
            'Use the OAuth client id of a "Web application" client.',
          );
    case 'invalid_client':
    case 'unauthorized_client':
      return fail(
        TITLE,
        `Google refused the client (${body.error}, HTTP ${status}): GOOGLE_CLIENT_ID or GOOGLE_CLIENT_SECRET is wrong, or the client was deleted.`,
        'Copy both from Google Cloud console → APIs & Services → Credentials → your "Web application" OAuth client.',
      );
    default:
      return warn(
        TITLE,
        `Google answered HTTP ${status} ${body.error ?? '(no OAuth error)'} to a test exchange; expected invalid_grant.`,
        'Check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REDIRECT_URI in the Google Cloud console.',
      );
  }
}
