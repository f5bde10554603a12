import type { ServiceConfig } from '../../config/env.js';
import { defaultRedirectUri } from '../../config/public-url.js';
import { type CheckResult, fail, pass, warn } from './check.js';

const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])$/;

/**
 * The redirect URI is this bridge's callback under PUBLIC_URL, and both are https outside loopback development:
 * a mismatch here is Google's `redirect_uri_mismatch`, met by users at the consent screen.
 */
export function checkPublicUrl(
  config: Pick<ServiceConfig, 'publicUrl' | 'google'>,
  options: { production: boolean; publicUrlSet: boolean },
): CheckResult[] {
  const results: CheckResult[] = [];
  const publicUrl = new URL(config.publicUrl);
  const expected = defaultRedirectUri(config.publicUrl);
  if (options.production && !options.publicUrlSet) {
    results.push(
      warn(
        'Public URL',
        `PUBLIC_URL is not set, so the bridge believes it is ${config.publicUrl}.`,
        'Set PUBLIC_URL to the https URL users reach the bridge at (e.g. https://tokens.example.com, or https://app.example.com/tokenbridge under a path).',
      ),
    );
  } else if (options.production && publicUrl.protocol !== 'https:' && !LOOPBACK.test(publicUrl.hostname)) {
    results.push(
      fail(
        'Public URL',
        `PUBLIC_URL ${config.publicUrl} is http: session cookies and OAuth codes would cross the network in clear.`,
        'Serve the bridge over https (a TLS-terminating proxy is fine) and set PUBLIC_URL=https://….',
      ),
    );
  } else {
    results.push(pass('Public URL', config.publicUrl));
  }

  let redirect: URL;
  try {
    redirect = new URL(config.google.redirectUri);
  } catch {
    return [
      ...results,
      fail('Redirect URI', 'GOOGLE_REDIRECT_URI is not a URL.', `Set it to ${expected}, or unset it.`),
    ];
  }
  const registerHint = `and register exactly ${expected} under "Authorized redirect URIs" of the Google OAuth client`;
  if (redirect.href !== new URL(expected).href) {
    results.push(
      fail(
        'Redirect URI',
        `GOOGLE_REDIRECT_URI is ${redirect.href}, but this bridge receives Google's redirect at ${expected}.`,
        `Unset GOOGLE_REDIRECT_URI (it defaults to ${expected}) or fix it, ${registerHint}.`,
      ),
    );
  } else if (options.production && redirect.protocol !== 'https:' && !LOOPBACK.test(redirect.hostname)) {
    results.push(
      fail(
        'Redirect URI',
        `${redirect.href} is http: Google accepts http redirect URIs only for localhost.`,
        `Use https, ${registerHint}.`,
      ),
    );
  } else {
    results.push(pass('Redirect URI', `${redirect.href} (must be registered in the Google OAuth client).`));
  }
  return results;
}
