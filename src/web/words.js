// Plain words for scopes, sources and every error the bridge or Google can answer, each with the action that fixes it.

const AUTH = 'https://www.googleapis.com/auth/';

/** The scopes the console offers to add, by short name. */
export const ADDABLE = {
  'drive.readonly': { label: 'Google Drive', what: 'see your Google Drive files' },
  'contacts.readonly': { label: 'Contacts', what: 'see your contacts' },
  'gmail.readonly': { label: 'Gmail', what: 'read your Gmail' },
};

const SCOPE_NAMES = {
  openid: 'Sign-in identity',
  email: 'Email address',
  profile: 'Basic profile',
  [`${AUTH}userinfo.email`]: 'Email address',
  [`${AUTH}userinfo.profile`]: 'Basic profile',
  [`${AUTH}drive`]: 'Google Drive (full)',
  [`${AUTH}drive.readonly`]: 'Google Drive (read-only)',
  [`${AUTH}drive.file`]: 'Drive files made by this app',
  [`${AUTH}drive.metadata.readonly`]: 'Drive file names (read-only)',
  [`${AUTH}contacts`]: 'Contacts (full)',
  [`${AUTH}contacts.readonly`]: 'Contacts (read-only)',
  [`${AUTH}gmail.readonly`]: 'Gmail (read-only)',
  [`${AUTH}gmail.labels`]: 'Gmail labels',
  [`${AUTH}gmail.metadata`]: 'Gmail metadata',
  [`${AUTH}gmail.modify`]: 'Gmail (read and change)',
  'https://mail.google.com/': 'Gmail (full)',
  [`${AUTH}calendar`]: 'Calendar (full)',
  [`${AUTH}calendar.readonly`]: 'Calendar (read-only)',
};

/** The full scope URL of a short name (`drive.readonly`); bare OpenID scopes stay as they are. */
export function scopeUrl(name) {
  if (name.startsWith('https://') || name === 'openid' || name === 'email' || name === 'profile') return name;
  return AUTH + name;
}

/** A person's name for a scope string. */
export function scopeName(scope) {
  return SCOPE_NAMES[scope] ?? scope.replace(AUTH, '');
}

/** Scopes minus the duplicates Google sends (`email` and `userinfo.email` are the same permission). */
export function distinctScopeNames(scopes) {
  const seen = new Map();
  for (const scope of scopes) {
    const name = scopeName(scope);
    if (!seen.has(name)) seen.set(name, scope);
  }
  return [...seen].map(([name, scope]) => ({ name, scope }));
}

/** Whether `granted` (full URLs) covers the short name `wanted`, counting the broader scopes that include it. */
export function covers(granted, wanted) {
  const url = scopeUrl(wanted);
  if (granted.includes(url)) return true;
  const broader = {
    [`${AUTH}drive.readonly`]: [`${AUTH}drive`],
    [`${AUTH}contacts.readonly`]: [`${AUTH}contacts`],
    [`${AUTH}gmail.readonly`]: [`${AUTH}gmail.modify`, 'https://mail.google.com/'],
  };
  return (broader[url] ?? []).some((s) => granted.includes(s));
}

export const SOURCE_NAMES = {
  oauth: "Tokenbridge's own connection",
  clerk: 'Held by Clerk (signed in with Google)',
};

const RECONNECT_REASONS = {
  revoked: 'Access to your Google account was removed (at Google, or from another app). Reconnect to give it back.',
  testing_app_expired:
    'Google ended access after 7 days because this Google app is still in "Testing" status. Reconnect to continue; publish the app to stop this.',
  missing_refresh_token:
    'Clerk holds no long-lived access to your Google account, so tokens cannot be renewed. Reconnect through Tokenbridge.',
  unknown: 'Google stopped accepting this connection. Reconnect to continue.',
};

/** Why a connection needs the user, in words. */
export function reconnectText(reason) {
  return RECONNECT_REASONS[reason] ?? RECONNECT_REASONS.unknown;
}

const missingNames = (missing) => (missing ?? []).map((s) => scopeName(s)).join(', ') || 'more access';

/**
 * Turns a failed call into `{ text, action }`: what happened in plain words and what fixes it. `action.kind` is one of
 * `signin`, `connect`, `add`, `reconnect`, `retry`, or absent.
 */
export function explain(problem) {
  const code = problem.code;
  switch (code) {
    case 'unauthenticated':
      return {
        text: 'Your sign-in has ended. Sign in again to continue.',
        action: { kind: 'signin', label: 'Sign in' },
      };
    case 'not_connected':
      return {
        text: 'Your Google account is not connected yet.',
        action: { kind: 'connect', label: 'Connect Google' },
      };
    case 'scopes_missing':
      return {
        text: `Google has not given permission for ${missingNames(problem.missing)} yet.`,
        action: { kind: 'add', label: `Allow ${missingNames(problem.missing)}`, scopes: problem.missing ?? [] },
      };
    case 'reconnect_required':
      return { text: reconnectText(problem.reason), action: { kind: 'reconnect', label: 'Reconnect Google' } };
    case 'upstream_unavailable':
      return {
        text: `Google is not answering right now.${problem.retryAfter ? ` Try again in ${problem.retryAfter} seconds.` : ' Try again in a moment.'}`,
        action: { kind: 'retry', label: 'Try again' },
      };
    case 'rate_limited':
      return {
        text: `Google is limiting how fast this account can make requests.${problem.retryAfter ? ` Try again in ${problem.retryAfter} seconds.` : ''}`,
        action: { kind: 'retry', label: 'Try again' },
      };
    case 'google_unauthenticated':
      return {
        text: 'Google did not accept the access token. Get a fresh one by reconnecting.',
        action: { kind: 'reconnect', label: 'Reconnect Google' },
      };
    case 'access_denied':
      return { text: 'You declined at Google, so nothing changed.', action: undefined };
    case 'popup_closed':
      return { text: 'The Google window was closed before you finished. Nothing changed.', action: undefined };
    case 'popup_failed_to_open':
      return {
        text: 'Your browser blocked the Google window. Allow pop-ups for this site, or use "Connect Google" instead.',
        action: { kind: 'connect', label: 'Connect Google' },
      };
    case 'network':
      return {
        text: 'The bridge could not be reached. Check your connection.',
        action: { kind: 'retry', label: 'Try again' },
      };
    case 'invalid_scope':
    case 'invalid_request':
      return { text: `The request was not accepted: ${problem.message}`, action: undefined };
    default:
      return {
        text: problem.message ? `Something went wrong: ${problem.message}` : 'Something went wrong.',
        action: { kind: 'retry', label: 'Try again' },
      };
  }
}

/** Words for an error Google (or the bridge's callback) put in the URL when the user came back. */
export function returnErrorText(error) {
  if (error === 'access_denied') return 'You declined at Google, so nothing changed.';
  if (error === 'invalid_state' || error === 'state_mismatch') {
    return 'That Google sign-in had expired or was started elsewhere. Try connecting again.';
  }
  return 'Google did not complete the connection. Try again.';
}
