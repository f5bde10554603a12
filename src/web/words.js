// Plain words for scopes, sources and every error the bridge or Google can answer, each with the action that fixes it.
// What a scope means and covers comes from the shipped client (tokenbridge/client), so the page and the bridge agree.

import { coversScopes, normaliseScopes, TokenbridgeClientError } from '../modules/client/index.js';

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

/** The full scope URL of a short name (`drive.readonly`); the bridge's own reading, from the shipped client. */
export function scopeUrl(name) {
  try {
    return normaliseScopes([name])[0] ?? name;
  } catch {
    return name;
  }
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

/** Whether `granted` (full URLs) covers the short name `wanted`, with Google's scope hierarchy as the bridge reads it. */
export function covers(granted, wanted) {
  try {
    return coversScopes(granted, [wanted]);
  } catch {
    return false;
  }
}

const FILE_KINDS = {
  'application/vnd.google-apps.folder': 'Folder',
  'application/vnd.google-apps.document': 'Google Doc',
  'application/vnd.google-apps.spreadsheet': 'Google Sheet',
  'application/vnd.google-apps.presentation': 'Google Slides',
  'application/vnd.google-apps.form': 'Google Form',
  'application/vnd.google-apps.drawing': 'Google Drawing',
  'application/vnd.google-apps.shortcut': 'Shortcut',
  'application/pdf': 'PDF',
  'application/zip': 'ZIP archive',
  'application/json': 'JSON file',
  'application/msword': 'Word document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document',
  'application/vnd.ms-excel': 'Excel spreadsheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel spreadsheet',
  'application/vnd.ms-powerpoint': 'PowerPoint presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint presentation',
  'text/plain': 'Text file',
  'text/csv': 'CSV file',
  'text/html': 'Web page',
};

/** A person's name for a Drive file's MIME type ("Excel spreadsheet", "PNG image"), never the raw type. */
export function fileKind(mime) {
  if (FILE_KINDS[mime]) return FILE_KINDS[mime];
  const [type, subtype = ''] = String(mime ?? '').split('/');
  const short = subtype.replace(/^(x-|vnd\.)/, '').replace(/\+.*$/, '');
  if (type === 'image') return short && short.length <= 5 ? `${short.toUpperCase()} image` : 'Image';
  if (type === 'video') return 'Video';
  if (type === 'audio') return 'Audio';
  if (type === 'text') return 'Text file';
  return 'File';
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
        text: `You have not given permission for ${missingNames(problem.missing)} yet.`,
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

/**
 * The problem a client result or error stands for, as `explain` reads it: `{ code, message, missing, reason,
 * retryAfter }`. Refusals come from `getGoogleToken`/`googleApi` results, Google's own errors from `google_error`
 * (429 and rate-limit reasons read as `rate_limited`, 401 as `google_unauthenticated`), the rest from the client's
 * `TokenbridgeClientError`.
 */
export function problemOf(outcome) {
  if (outcome instanceof TokenbridgeClientError) {
    const code = outcome.code === 'network_error' ? 'network' : outcome.code;
    return { code, message: outcome.message, retryAfter: outcome.retryAfterSeconds };
  }
  if (outcome instanceof Error) return { code: 'unknown', message: outcome.message };
  switch (outcome.reason) {
    case 'scopes_missing':
      return { code: 'scopes_missing', missing: outcome.missing };
    case 'reconnect_required':
      return { code: 'reconnect_required', reason: outcome.cause };
    case 'google_error': {
      const limited =
        outcome.status === 429 ||
        outcome.googleReason === 'rateLimitExceeded' ||
        outcome.googleReason === 'userRateLimitExceeded';
      if (limited) return { code: 'rate_limited', message: outcome.message, retryAfter: outcome.retryAfterSeconds };
      if (outcome.status === 401) return { code: 'google_unauthenticated', message: outcome.message };
      return { code: 'google_error', message: outcome.message, retryAfter: outcome.retryAfterSeconds };
    }
    case 'cancelled':
      return { code: outcome.error };
    default:
      return { code: outcome.reason };
  }
}
