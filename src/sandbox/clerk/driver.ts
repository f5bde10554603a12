import { completeConsent } from '../google/consent-driver.js';

/** The parts of a running emulator the drivers need. */
export interface EmulatorHandle {
  url: string;
}

/** A browser that signed in through the hosted pages, as clerk.browser.js would leave it. */
export interface BrowserSignIn {
  userId: string;
  sessionId: string;
  /** A fresh session token: what clerk.browser.js keeps in the app's `__session` cookie. */
  sessionToken: string;
  /** The client's token (`__client` cookie on the emulator, `__clerk_db_jwt` on the app). */
  clientToken: string;
  /**
   * The `Cookie` header clerk.browser.js leaves on the app's origin: `__session`, `__client_uat` and the dev-browser
   * `__clerk_db_jwt` (which `authenticateRequest` requires for a development instance's cookies).
   */
  appCookieHeader: string;
  /** Where the sign-in sent the browser back (with `__clerk_db_jwt`). */
  redirectedTo: URL;
  /** The origin tokens are minted for (their `azp`). */
  origin: string;
  /** Fetches a new session token, as clerk.browser.js does about every 50 s. */
  refreshSessionToken(): Promise<string>;
}

/** Options common to the sign-in drivers. */
export interface SignInOptions {
  /** Where the app wants the browser back; default the emulator's `/`. */
  redirectUrl?: string;
  /** The app origin that asks for tokens (`azp`); default the redirect URL's origin. */
  origin?: string;
}

/** Options of {@link signInWithGoogle}. */
export interface GoogleSignInOptions extends SignInOptions {
  /** The Google account to pick in the chooser, e.g. `ada@example.com`. */
  account: string;
  /** Extra scopes asked for, beyond `openid email profile`. */
  additionalScopes?: string[];
  /** Scopes to tick on Google's consent page; default all. */
  grant?: string[];
  /** `prompt` sent to Google, e.g. `consent`. */
  prompt?: string;
}

/** Options of {@link reauthorizeGoogle} and {@link connectGoogle}. */
export interface GoogleLinkOptions {
  additionalScopes?: string[];
  /** Sent as `oidc_prompt`; `consent` makes Google show consent again and issue a refresh token. */
  oidcPrompt?: string;
  /** Where the app wants the browser back; default the sign-in's redirect URL without the dev-browser token. */
  redirectUrl?: string;
  /** The account to pick if Google shows its chooser. */
  account?: string;
  grant?: string[];
  deny?: boolean;
}

/**
 * Signs in (or up) by email through the hosted sign-in page, with plain HTTP forms: no browser needed.
 *
 * @example
 * const { sessionToken } = await signInByEmail(clerk, 'ada@example.com');
 * await verifyToken(sessionToken, { jwtKey: clerk.jwtKey });
 */
export async function signInByEmail(
  emulator: EmulatorHandle,
  email: string,
  options: SignInOptions = {},
): Promise<BrowserSignIn> {
  const redirectUrl = options.redirectUrl ?? `${emulator.url}/`;
  const page = await fetch(`${emulator.url}/sign-in?${new URLSearchParams({ redirect_url: redirectUrl })}`);
  const html = await page.text();
  if (!page.ok) throw new Error(`The sign-in page answered ${page.status}.`);
  const form = /<form[^>]*action="([^"]+)"[^>]*data-form="email"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (form === null) throw new Error('The sign-in page has no email form.');
  const fields = new URLSearchParams(hiddenFields(form[2] ?? ''));
  fields.set('email_address', email);
  const response = await fetch(new URL(decode(form[1] ?? ''), emulator.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (response.status !== 303 || location === null) {
    throw new Error(`Signing in as ${email} did not redirect back (HTTP ${response.status}).`);
  }
  return finishSignIn(emulator, new URL(location, emulator.url), options.origin);
}

/**
 * Signs in with Google through the hosted page and the Google emulator's consent pages, over HTTP.
 * The Google client must list `clerk.googleCallbackUrl` as a redirect URI.
 *
 * @example
 * const signIn = await signInWithGoogle(clerk, { account: 'ada@example.com', additionalScopes: [DRIVE_READONLY] });
 */
export async function signInWithGoogle(emulator: EmulatorHandle, options: GoogleSignInOptions): Promise<BrowserSignIn> {
  const redirectUrl = options.redirectUrl ?? `${emulator.url}/`;
  const query = new URLSearchParams({ redirect_url: redirectUrl });
  if (options.additionalScopes !== undefined) query.set('additional_scope', options.additionalScopes.join(' '));
  if (options.prompt !== undefined) query.set('prompt', options.prompt);
  const start = await fetch(`${emulator.url}/sign-in/google?${query}`, { redirect: 'manual' });
  await start.body?.cancel();
  const googleUrl = start.headers.get('location');
  if (googleUrl === null) throw new Error(`The Google sign-in did not start (HTTP ${start.status}).`);
  const callback = await completeConsent(googleUrl, {
    account: options.account,
    ...(options.grant === undefined ? {} : { grant: options.grant }),
  });
  const back = await fetch(callback, { redirect: 'manual' });
  await back.body?.cancel();
  const location = back.headers.get('location');
  if (location === null) throw new Error(`The OAuth callback did not redirect (HTTP ${back.status}).`);
  const target = new URL(location, emulator.url);
  if (target.pathname === '/sign-in' && target.searchParams.has('error')) {
    throw new Error(`Google sign-in failed: ${target.searchParams.get('error')}`);
  }
  return finishSignIn(emulator, target, options.origin);
}

/**
 * Adds scopes to the user's Google account the way `externalAccount.reauthorize()` does, then clicks through Google.
 * Returns the URL the browser lands on (the app's redirect URL; `clerk_error` is set when it failed).
 */
export async function reauthorizeGoogle(
  emulator: EmulatorHandle,
  signIn: BrowserSignIn,
  options: GoogleLinkOptions = {},
): Promise<URL> {
  const user = await frontendJson(emulator, signIn, 'GET', '/v1/me');
  const account = (user.external_accounts as Array<{ id: string; provider: string }>).find(
    (a) => a.provider === 'oauth_google',
  );
  if (account === undefined) throw new Error('The user has no Google account to reauthorize.');
  const reply = await frontendJson(emulator, signIn, 'PATCH', `/v1/me/external_accounts/${account.id}/reauthorize`, {
    redirect_url: options.redirectUrl ?? appUrl(signIn),
    ...(options.additionalScopes === undefined ? {} : { additional_scope: options.additionalScopes.join(',') }),
    ...(options.oidcPrompt === undefined ? {} : { oidc_prompt: options.oidcPrompt }),
  });
  return followGoogle(reply, options);
}

/** Connects a Google account to the signed-in user, as `user.createExternalAccount()` does, then clicks through Google. */
export async function connectGoogle(
  emulator: EmulatorHandle,
  signIn: BrowserSignIn,
  options: GoogleLinkOptions = {},
): Promise<URL> {
  const reply = await frontendJson(emulator, signIn, 'POST', '/v1/me/external_accounts', {
    strategy: 'oauth_google',
    redirect_url: options.redirectUrl ?? appUrl(signIn),
    ...(options.additionalScopes === undefined ? {} : { additional_scope: options.additionalScopes.join(',') }),
    ...(options.oidcPrompt === undefined ? {} : { oidc_prompt: options.oidcPrompt }),
  });
  return followGoogle(reply, options);
}

async function followGoogle(account: Record<string, unknown>, options: GoogleLinkOptions): Promise<URL> {
  const verification = account.verification as { external_verification_redirect_url?: string } | undefined;
  const url = verification?.external_verification_redirect_url;
  if (url === undefined) throw new Error('The Frontend API gave no Google URL to visit.');
  const callback = await completeConsent(url, {
    ...(options.account === undefined ? {} : { account: options.account }),
    ...(options.grant === undefined ? {} : { grant: options.grant }),
    ...(options.deny === undefined ? {} : { deny: options.deny }),
  });
  const back = await fetch(callback, { redirect: 'manual' });
  await back.body?.cancel();
  const location = back.headers.get('location');
  if (location === null) throw new Error(`The OAuth callback did not redirect (HTTP ${back.status}).`);
  return new URL(location, callback);
}

function appUrl(signIn: BrowserSignIn): string {
  const url = new URL(signIn.redirectedTo);
  url.searchParams.delete('__clerk_db_jwt');
  return url.toString();
}

async function finishSignIn(
  emulator: EmulatorHandle,
  redirectedTo: URL,
  originOverride?: string,
): Promise<BrowserSignIn> {
  const clientToken = redirectedTo.searchParams.get('__clerk_db_jwt');
  if (clientToken === null) throw new Error(`The sign-in came back without a client token: ${redirectedTo}`);
  const origin = originOverride ?? redirectedTo.origin;
  const handle = { clientToken, origin } as BrowserSignIn;
  const client = (await frontendFetch(emulator, handle, 'GET', '/v1/client')).response as {
    last_active_session_id: string | null;
    sessions: Array<{ id: string; user_id: string }>;
    updated_at: number;
  };
  const session = client.sessions.find((s) => s.id === client.last_active_session_id);
  if (session === undefined) throw new Error('The sign-in left no active session.');
  const refreshSessionToken = async () => {
    const reply = await frontendFetch(emulator, handle, 'POST', `/v1/client/sessions/${session.id}/tokens`);
    return reply.jwt as string;
  };
  const sessionToken = await refreshSessionToken();
  return Object.assign(handle, {
    userId: session.user_id,
    sessionId: session.id,
    sessionToken,
    appCookieHeader: `__session=${sessionToken}; __client_uat=${Math.floor(client.updated_at / 1000)}; __clerk_db_jwt=${clientToken}`,
    redirectedTo,
    refreshSessionToken,
  });
}

async function frontendJson(
  emulator: EmulatorHandle,
  signIn: Pick<BrowserSignIn, 'clientToken' | 'origin'>,
  method: string,
  path: string,
  body?: Record<string, string>,
): Promise<Record<string, unknown>> {
  return (await frontendFetch(emulator, signIn, method, path, body)).response as Record<string, unknown>;
}

async function frontendFetch(
  emulator: EmulatorHandle,
  signIn: Pick<BrowserSignIn, 'clientToken' | 'origin'>,
  method: string,
  path: string,
  body?: Record<string, string>,
): Promise<Record<string, unknown>> {
  const url = new URL(path, emulator.url);
  url.searchParams.set('__clerk_db_jwt', signIn.clientToken);
  const response = await fetch(url, {
    method,
    headers: {
      origin: signIn.origin,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body: new URLSearchParams(body).toString() }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json.errors)}`);
  return json;
}

function hiddenFields(formHtml: string): Array<[string, string]> {
  return [...formHtml.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)].map((m) => {
    const tag = m[0];
    return [decode(/name="([^"]*)"/.exec(tag)?.[1] ?? ''), decode(/value="([^"]*)"/.exec(tag)?.[1] ?? '')];
  });
}

function decode(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
