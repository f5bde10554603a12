import { GOOGLE_SCOPE_PREFIX } from './scopes.js';

/** Cookies kept across requests, per origin, as a browser would (enough for the emulator's session cookie). */
export class CookieJar {
  private byOrigin = new Map<string, Map<string, string>>();

  /** The `Cookie` header for a request to `url`. */
  header(url: URL): string | undefined {
    const cookies = this.byOrigin.get(url.host);
    if (cookies === undefined || cookies.size === 0) return undefined;
    return [...cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Stores the `Set-Cookie` headers of a response from `url`. */
  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookies = this.byOrigin.get(url.host) ?? new Map<string, string>();
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      this.byOrigin.set(url.host, cookies);
    }
  }
}

/** How to answer the consent flow. */
export interface ConsentOptions {
  /** The account to pick in the chooser (email or sub). Needed unless `login_hint` or the session skips the chooser. */
  account?: string;
  /** The scopes to tick (full URLs or short names such as `drive.readonly`); default: every box. */
  grant?: string[];
  /** Press Cancel instead of Allow. */
  deny?: boolean;
  /** Keep the browser session across calls (for `prompt=none` and consent skipping); default: a fresh one. */
  cookies?: CookieJar;
}

/** The flow stopped on one of Google's own error pages (e.g. `redirect_uri_mismatch`) or an unexpected page. */
export class ConsentPageError extends Error {
  constructor(
    readonly status: number,
    /** The OAuth error shown on the page, such as `redirect_uri_mismatch`. */
    readonly error: string,
    readonly html: string,
  ) {
    super(`The consent flow stopped on an error page: ${status} ${error}`);
    this.name = 'ConsentPageError';
  }
}

/**
 * Drives the emulator's consent pages as a browser without JavaScript would: GETs the pages, submits their forms
 * with fetch, carries cookies, and returns the first redirect that leaves Google's pages (the app's callback URL, with
 * `code`, `state`, `scope`… or `error`). `authUrl` may also be an app URL that redirects to the emulator.
 *
 * @example
 * const callback = await completeConsent(oauth2Client.generateAuthUrl({ scope }), { account: 'ada@example.com' });
 * const { tokens } = await oauth2Client.getToken(callback.searchParams.get('code')!);
 */
export async function completeConsent(authUrl: string, options: ConsentOptions = {}): Promise<URL> {
  const jar = options.cookies ?? new CookieJar();
  let url = new URL(authUrl);
  let init: { method: string; body?: string } = { method: 'GET' };
  for (let hop = 0; hop < 20; hop++) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie !== undefined) headers.cookie = cookie;
    if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (!isGooglePage(next)) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const html = await response.text();
    const kind = /<main[^>]*data-page="([a-z]+)"/.exec(html)?.[1];
    if (response.status >= 400 || (kind !== 'chooser' && kind !== 'consent')) {
      throw new ConsentPageError(response.status, /data-error="([^"]*)"/.exec(html)?.[1] ?? 'unexpected_page', html);
    }
    const form = parseForm(html);
    const fields = new URLSearchParams(form.hidden);
    if (kind === 'chooser') {
      const wanted = options.account?.toLowerCase();
      const choice = form.buttons.find((b) => b.name === 'account' && b.value.toLowerCase() === wanted);
      if (choice === undefined) {
        throw new Error(
          `The account chooser has no "${options.account ?? '(no account given)'}"; it offers ${form.buttons.map((b) => b.value).join(', ')}.`,
        );
      }
      fields.append('account', choice.value);
    } else if (options.deny === true) {
      fields.append('action', 'cancel');
    } else {
      for (const box of form.checkboxes) if (wanted(box, options.grant)) fields.append(box.name, box.value);
      fields.append('action', 'allow');
    }
    url = new URL(form.action, url);
    init = { method: 'POST', body: fields.toString() };
  }
  throw new Error('The consent flow did not finish within 20 steps.');
}

function isGooglePage(url: URL): boolean {
  return url.pathname.startsWith('/o/oauth2/');
}

function wanted(box: { value: string }, grant: string[] | undefined): boolean {
  if (grant === undefined) return true;
  return grant.some((g) => g === box.value || `${GOOGLE_SCOPE_PREFIX}${g}` === box.value);
}

interface ParsedForm {
  action: string;
  hidden: Array<[string, string]>;
  checkboxes: Array<{ name: string; value: string }>;
  buttons: Array<{ name: string; value: string }>;
}

/** Reads the first form of a page: enough HTML parsing for the emulator's own markup. */
function parseForm(html: string): ParsedForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) throw new Error('The page has no form.');
  const action = decode(attr(form[1] ?? '', 'action') ?? '');
  const inner = form[2] ?? '';
  const hidden: Array<[string, string]> = [];
  const checkboxes: Array<{ name: string; value: string }> = [];
  for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = input[1] ?? '';
    const name = attr(attrs, 'name');
    if (name === undefined) continue;
    const type = attr(attrs, 'type') ?? 'text';
    const value = decode(attr(attrs, 'value') ?? '');
    if (type === 'hidden') hidden.push([name, value]);
    if (type === 'checkbox') checkboxes.push({ name, value });
  }
  const buttons = [...inner.matchAll(/<button\b([^>]*)>/gi)].flatMap((b) => {
    const name = attr(b[1] ?? '', 'name');
    return name === undefined ? [] : [{ name, value: decode(attr(b[1] ?? '', 'value') ?? '') }];
  });
  return { action, hidden, checkboxes, buttons };
}

function attr(attrs: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attrs)?.[1];
}

function decode(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
