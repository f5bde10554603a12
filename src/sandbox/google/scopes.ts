/** Google's scope strings and how the consent screen and the token endpoint treat them. */

export const GOOGLE_SCOPE_PREFIX = 'https://www.googleapis.com/auth/';
export const USERINFO_EMAIL = `${GOOGLE_SCOPE_PREFIX}userinfo.email`;
export const USERINFO_PROFILE = `${GOOGLE_SCOPE_PREFIX}userinfo.profile`;

/** Scopes that are always granted when asked for: the user cannot untick them. */
const BASIC = new Set(['openid', 'email', 'profile', USERINFO_EMAIL, USERINFO_PROFILE]);

/** What the consent screen says each scope lets the app do. Unknown Google scopes get a generic line. */
const DESCRIPTIONS: Record<string, string> = {
  openid: 'Associate you with your personal info on Google',
  email: 'See your primary Google Account email address',
  profile: 'See your personal info, including any personal info you’ve made publicly available',
  drive: 'See, edit, create, and delete all of your Google Drive files',
  'drive.readonly': 'See and download all your Google Drive files',
  'drive.metadata.readonly': 'See information about your Google Drive files',
  'drive.metadata': 'View and manage metadata of files in your Google Drive',
  'drive.file': 'See, edit, create, and delete only the specific Google Drive files you use with this app',
  'drive.appdata': 'See, create, and delete its own configuration data in your Google Drive',
  'drive.photos.readonly': 'View the photos, videos and albums in your Google Photos',
  contacts: 'See, edit, download, and permanently delete your contacts',
  'contacts.readonly': 'See and download your contacts',
  'contacts.other.readonly': 'See and download contact info automatically saved in your “Other contacts”',
  'gmail.readonly': 'View your email messages and settings',
  'gmail.metadata': 'View your email message metadata such as labels and headers, but not the email body',
  'gmail.modify': 'Read, compose, and send emails from your Gmail account',
  'gmail.labels': 'See and edit your email labels',
  'gmail.send': 'Send email on your behalf',
  calendar: 'See, edit, share, and permanently delete all the calendars you can access using Google Calendar',
  'calendar.readonly': 'See and download any calendar you can access using your Google Calendar',
  'calendar.events': 'View and edit events on all your calendars',
  'calendar.events.readonly': 'View events on all your calendars',
  'userinfo.email': 'See your primary Google Account email address',
  'userinfo.profile': 'See your personal info, including any personal info you’ve made publicly available',
};

/** Splits a space-delimited scope parameter, dropping duplicates and keeping the order. */
export function parseScopeParam(value: string): string[] {
  return [...new Set(value.split(/[\s+]+/).filter((s) => s.length > 0))];
}

/** A scope Google would accept: a bare OIDC scope or a Google API scope URL. */
export function isKnownScope(scope: string): boolean {
  if (scope === 'openid' || scope === 'email' || scope === 'profile') return true;
  if (scope.startsWith(GOOGLE_SCOPE_PREFIX)) return /^[a-z0-9._-]+$/i.test(scope.slice(GOOGLE_SCOPE_PREFIX.length));
  return scope === 'https://mail.google.com/' || scope === 'https://www.google.com/m8/feeds';
}

/** Always granted: openid, email, profile and their userinfo URLs. */
export function isBasicScope(scope: string): boolean {
  return BASIC.has(scope);
}

/** The text shown next to a scope's checkbox. */
export function describeScope(scope: string): string {
  const short = scope.startsWith(GOOGLE_SCOPE_PREFIX) ? scope.slice(GOOGLE_SCOPE_PREFIX.length) : scope;
  return DESCRIPTIONS[short] ?? `Access your Google data (${short})`;
}

/**
 * The scope list as Google returns it: `email`/`profile` also appear expanded to their userinfo URLs, and the
 * userinfo URLs bring back the short names.
 */
export function expandScopes(scopes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const scope of scopes) {
    out.add(scope);
    if (scope === 'email' || scope === USERINFO_EMAIL) {
      out.add('email');
      out.add(USERINFO_EMAIL);
    }
    if (scope === 'profile' || scope === USERINFO_PROFILE) {
      out.add('profile');
      out.add(USERINFO_PROFILE);
    }
  }
  // Google's observed order: short names first, then URLs, openid last.
  const rank = (s: string) => (s === 'openid' ? 2 : s.startsWith('https://') ? 1 : 0);
  return [...out].sort((a, b) => rank(a) - rank(b));
}

/**
 * The scope list as Google's token and tokeninfo endpoints return it: `email`/`profile` only as their userinfo URLs
 * (google-api-python-client#1088), `openid` last. Short names appear in the callback redirect only.
 */
export function tokenScopes(scopes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const scope of scopes) {
    out.add(scope === 'email' ? USERINFO_EMAIL : scope === 'profile' ? USERINFO_PROFILE : scope);
  }
  return [...out].sort((a, b) => Number(a === 'openid') - Number(b === 'openid'));
}

/**
 * Google adds `openid` to any request for `email` or `profile` (either spelling), and so issues an id_token for it
 * (requests-oauthlib#387).
 */
export function withImpliedOpenid(scopes: readonly string[]): string[] {
  if (scopes.includes('openid') || !(hasEmailScope(scopes) || hasProfileScope(scopes))) return [...scopes];
  return [...scopes, 'openid'];
}

/** True when the set covers `email` (either spelling). */
export const hasEmailScope = (scopes: Iterable<string>): boolean =>
  [...scopes].some((s) => s === 'email' || s === USERINFO_EMAIL);

/** True when the set covers `profile` (either spelling). */
export const hasProfileScope = (scopes: Iterable<string>): boolean =>
  [...scopes].some((s) => s === 'profile' || s === USERINFO_PROFILE);

/** Covers only sign-in scopes: Google exempts such Testing-status grants from the 7-day refresh-token limit. */
export const onlyBasicScopes = (scopes: Iterable<string>): boolean => [...scopes].every(isBasicScope);
