import { InvalidScopeError } from './errors.js';

const AUTH = 'https://www.googleapis.com/auth/';
const GMAIL_FULL = 'https://mail.google.com/';

/** The bare OpenID Connect scopes Google accepts and echoes as-is. */
const BARE = new Set(['openid', 'email', 'profile']);

/** Short names the bridge accepts, each standing for `https://www.googleapis.com/auth/<name>`. */
const SHORT_NAMES = new Set([
  'drive',
  'drive.readonly',
  'drive.file',
  'drive.metadata',
  'drive.metadata.readonly',
  'drive.appdata',
  'drive.photos.readonly',
  'contacts',
  'contacts.readonly',
  'contacts.other.readonly',
  'directory.readonly',
  'gmail.readonly',
  'gmail.metadata',
  'gmail.modify',
  'gmail.labels',
  'gmail.send',
  'gmail.compose',
  'gmail.insert',
  'calendar',
  'calendar.readonly',
  'calendar.events',
  'calendar.events.readonly',
  'userinfo.email',
  'userinfo.profile',
]);

const url = (name: string): string => AUTH + name;

/**
 * Which scopes a granted scope also stands for. Only relations that hold for every API method are listed
 * (a method that accepts the narrower scope accepts the broader one too); `drive` does NOT cover
 * `drive.appdata`, and `drive.file` covers nothing but itself.
 */
const IMPLIES: ReadonlyMap<string, readonly string[]> = new Map([
  ['email', [url('userinfo.email')]],
  [url('userinfo.email'), ['email']],
  ['profile', [url('userinfo.profile')]],
  [url('userinfo.profile'), ['profile']],
  [url('drive'), [url('drive.readonly'), url('drive.file'), url('drive.metadata')]],
  [url('drive.readonly'), [url('drive.metadata.readonly')]],
  [url('drive.metadata'), [url('drive.metadata.readonly')]],
  [url('contacts'), [url('contacts.readonly')]],
  [GMAIL_FULL, [url('gmail.modify')]],
  [url('gmail.modify'), [url('gmail.readonly'), url('gmail.labels'), url('gmail.compose'), url('gmail.insert')]],
  [url('gmail.readonly'), [url('gmail.metadata')]],
  [url('gmail.compose'), [url('gmail.send')]],
  [url('calendar'), [url('calendar.readonly'), url('calendar.events')]],
  [url('calendar.readonly'), [url('calendar.events.readonly')]],
  [url('calendar.events'), [url('calendar.events.readonly')]],
]);

const SCOPE_URL = /^https:\/\/www\.googleapis\.com\/auth\/[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Turns short names and full URLs into canonical Google scope strings, de-duplicated and sorted.
 * `openid`, `email` and `profile` stay bare, as Google echoes them; every other short name becomes its URL.
 * Input strings may hold several space-separated scopes.
 *
 * @example
 * normaliseScopes(['drive.readonly', 'email']) // ['email', 'https://www.googleapis.com/auth/drive.readonly']
 * @throws InvalidScopeError for anything else, naming the offending value.
 */
export function normaliseScopes(input: readonly string[]): string[] {
  if (!Array.isArray(input)) throw new InvalidScopeError('Scopes must be a list of strings.');
  if (input.length === 0) return [];
  const out = new Set<string>();
  for (const item of input) {
    if (typeof item !== 'string') throw new InvalidScopeError('A scope must be a string.');
    for (const raw of item.split(/\s+/)) {
      if (raw === '') continue;
      out.add(normaliseOne(raw));
    }
  }
  return [...out].sort();
}

function normaliseOne(raw: string): string {
  if (BARE.has(raw)) return raw;
  if (SHORT_NAMES.has(raw)) return url(raw);
  if (raw === GMAIL_FULL || SCOPE_URL.test(raw)) return raw;
  const shown = raw.length > 100 ? `${raw.slice(0, 100)}…` : raw;
  throw new InvalidScopeError(
    `Unknown scope: ${JSON.stringify(shown)}. Use a short name such as drive.readonly or a full Google scope URL.`,
    {
      scope: shown,
    },
  );
}

/** Every scope that `granted` stands for, following the implication table transitively. */
export function expandScopes(granted: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...granted];
  while (stack.length > 0) {
    const scope = stack.pop()!;
    if (seen.has(scope)) continue;
    seen.add(scope);
    for (const implied of IMPLIES.get(scope) ?? []) stack.push(implied);
  }
  return seen;
}

/** The requested scopes that `granted` does not cover (empty when it covers them all). */
export function missingScopes(granted: Iterable<string>, requested: readonly string[]): string[] {
  // Asking for no particular scope (the usual token request) is covered by any grant: nothing to expand.
  if (requested.length === 0) return [];
  const have = expandScopes(granted);
  return requested.filter((scope) => !have.has(scope));
}

/** True when `granted` covers every requested scope. */
export function coversScopes(granted: Iterable<string>, requested: readonly string[]): boolean {
  return missingScopes(granted, requested).length === 0;
}

/**
 * Parses a space-delimited scope string as Google returns it, keeping every entry (unknown ones
 * included, since Google's answer is the truth about the grant) and dropping duplicates.
 */
export function parseGrantedScopes(scope: string | null | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/\s+/).filter((s) => s !== ''))].sort();
}
