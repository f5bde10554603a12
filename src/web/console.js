// The Tokenbridge console: sign in with Clerk, connect Google (redirect or popup), see the connection, get a token and
// try it through the proxy. Plain DOM, no build step. The access token lives in this module's memory only: never in
// storage, never in a URL. Only the scope names asked for are kept in sessionStorage, to tell a partial grant.

import { createApi } from './api.js';
import {
  ADDABLE,
  covers,
  distinctScopeNames,
  explain,
  reconnectText,
  returnErrorText,
  SOURCE_NAMES,
  scopeName,
  scopeUrl,
} from './words.js';

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

const BASIC = new Set([
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
]);
const ASKED_KEY = 'tokenbridge:asked-scopes';

const state = {
  config: null,
  clerk: null,
  api: null,
  connection: null,
  /** The last token the bridge handed out: `{accessToken, expiresAt, scopes, source}`. */
  token: null,
  drive: { page: 0, next: null },
  lastScopes: ['drive.readonly'],
  gsi: null,
  signInMounted: false,
  userId: null,
  ticking: null,
};

// ---------- small view helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function show(id, visible) {
  $(id).hidden = !visible;
}

function notice(text, tone = 'info', action) {
  const box = $('notice');
  box.className = `notice ${tone === 'ok' ? 'ok' : tone === 'bad' ? 'bad' : ''}`;
  $('notice-text').textContent = text;
  const actions = $('notice-actions');
  actions.replaceChildren();
  if (action) actions.append(actionButton(action, () => clearNotice()));
  box.hidden = false;
}

function clearNotice() {
  $('notice').hidden = true;
}

/** A button that performs the fix an error calls for. */
function actionButton(action, retry) {
  return el('button', {
    type: 'button',
    class: 'button primary',
    text: action.label,
    onclick: () => runAction(action, retry),
  });
}

function runAction(action, retry) {
  switch (action.kind) {
    case 'signin':
      state.clerk?.openSignIn?.();
      break;
    case 'connect':
      connectRedirect([]);
      break;
    case 'add':
      addScopes(action.scopes);
      break;
    case 'reconnect':
      reconnect();
      break;
    case 'retry':
      retry?.();
      break;
  }
}

/** Renders a failed call into `target` as words plus the button that fixes it. */
function showProblem(target, problem, retry) {
  const { text, action } = explain(problem);
  const box = el('div', { class: 'problem', role: 'alert' }, el('p', { text }));
  if (action) box.append(actionButton(action, retry));
  target.replaceChildren(box);
  if (problem.code === 'reconnect_required' || problem.code === 'scopes_missing' || problem.code === 'not_connected') {
    void loadConnection();
  }
}

function relative(iso) {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const unit =
    abs < 60
      ? [seconds, 'second']
      : abs < 3600
        ? [Math.round(seconds / 60), 'minute']
        : [Math.round(seconds / 3600), 'hour'];
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(unit[0], unit[1]);
}

function countdown(iso) {
  const left = Math.floor((Date.parse(iso) - Date.now()) / 1000);
  if (!Number.isFinite(left)) return '—';
  if (left <= 0) return 'Expired (a fresh one is made on the next request)';
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  return minutes > 0 ? `in ${minutes} min ${String(seconds).padStart(2, '0')} s` : `in ${seconds} s`;
}

function mask(token) {
  if (token.length <= 16) return '•'.repeat(token.length);
  return `${token.slice(0, 8)}${'•'.repeat(12)}${token.slice(-4)}`;
}

// ---------- boot ----------

async function boot() {
  const returned = readReturnMarkers();
  try {
    const response = await fetch('/api/config', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the bridge answered ${response.status} for /api/config`);
    state.config = readConfig(await response.json());
    state.clerk = await loadClerk(state.config);
  } catch (error) {
    show('loading', false);
    $('load-failed-text').textContent =
      `Sign-in could not be loaded (${error instanceof Error ? error.message : 'unknown error'}). Check that the bridge is running, then try again.`;
    show('load-failed', true);
    return;
  }
  state.api = createApi(async () => (state.clerk.session ? await state.clerk.session.getToken() : null));
  state.clerk.addListener?.(() => void render());
  show('loading', false);
  await render();
  if (returned) await reportReturn(returned);
}

/** `GET /api/config`: `{clerkPublishableKey, googleClientId, gsiClientUrl}`. */
function readConfig(raw) {
  const publishableKey = raw?.clerkPublishableKey;
  if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
    throw new Error('the bridge has no Clerk publishable key configured (CLERK_PUBLISHABLE_KEY)');
  }
  return {
    publishableKey,
    googleClientId: typeof raw.googleClientId === 'string' ? raw.googleClientId : null,
    gsiClientUrl: typeof raw.gsiClientUrl === 'string' ? raw.gsiClientUrl : 'https://accounts.google.com/gsi/client',
  };
}

/** The Frontend API host named by a publishable key: `pk_test_` + base64(`host$`). */
function frontendApi(publishableKey) {
  const encoded = publishableKey.split('_')[2] ?? '';
  const host = atob(encoded).replace(/\$$/, '');
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) throw new Error('the Clerk publishable key is not valid');
  // Loopback Frontend APIs (the sandbox's Clerk emulator) speak plain HTTP; every real one is HTTPS.
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/i.test(host);
  return `${loopback ? 'http' : 'https'}://${host}`;
}

function loadScript(src, attrs = {}) {
  return new Promise((resolve, reject) => {
    const script = el('script', { src, ...attrs });
    script.async = true;
    script.addEventListener('load', () => resolve(script));
    script.addEventListener('error', () => reject(new Error(`could not load ${new URL(src).host}`)));
    document.head.append(script);
  });
}

async function loadClerk(config) {
  const fapi = frontendApi(config.publishableKey);
  // clerk-js 6 ships its prebuilt UI as @clerk/ui; an emulator whose clerk-js draws its own UI may not serve it.
  // Loaded as Clerk's own loader does (crossorigin=anonymous); Google's script is loaded as Google documents it.
  await loadScript(`${fapi}/npm/@clerk/ui@1/dist/ui.browser.js`, { crossorigin: 'anonymous' }).catch(() => undefined);
  await loadScript(`${fapi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`, {
    crossorigin: 'anonymous',
    'data-clerk-publishable-key': config.publishableKey,
  });
  const clerk = window.Clerk;
  if (!clerk) throw new Error('clerk-js did not start');
  const ClerkUI = window.__internal_ClerkUICtor;
  await clerk.load(ClerkUI ? { ui: { ClerkUI } } : {});
  return clerk;
}

/**
 * What the bridge's callback put in the URL on the way back (`?google_connect=connected` or the error, such as
 * `access_denied`); the URL is cleaned right away so a reload does not repeat the message.
 */
function readReturnMarkers() {
  const url = new URL(location.href);
  const outcome = url.searchParams.get('google_connect');
  if (outcome === null) return null;
  url.searchParams.delete('google_connect');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
  return { error: outcome === 'connected' ? null : outcome };
}

async function reportReturn(returned) {
  const asked = takeAsked();
  if (returned.error) {
    notice(returnErrorText(returned.error), 'bad');
    return;
  }
  await reportGrant(asked?.scopes ?? [], asked?.kind ?? 'connect');
}

/**
 * After consent: says what was granted, and whether Google (the user) left out part of what was asked.
 * `kind` is `connect`, `add` or `reconnect`.
 */
async function reportGrant(asked, kind) {
  const added = asked.filter((s) => !BASIC.has(scopeUrl(s)));
  if (added.length > 0) {
    // Ask the bridge for a token with the new scopes first: it is the judge of what the grant covers (a Clerk-held
    // grant changed by reauthorize is read again), and the card then shows a token that carries them.
    const result = await state.api.token(added);
    if (result.ok) {
      state.token = result.data;
      renderToken();
    }
  }
  const connection = await loadConnection();
  if (!connection) return;
  const missing = asked.filter((s) => !BASIC.has(scopeUrl(s)) && !covers(connection.scopes, s));
  if (missing.length > 0) {
    const names = missing.map((s) => scopeName(scopeUrl(s))).join(', ');
    notice(`Google granted only part of what was asked: ${names} was not granted.`, 'bad', {
      kind: 'add',
      label: `Ask again for ${names}`,
      scopes: missing,
    });
    return;
  }
  const account = connection.google?.email ?? 'your account';
  const text =
    kind === 'reconnect'
      ? `Google reconnected as ${account}.`
      : kind === 'add' && added.length > 0
        ? `Access added: ${added.map((s) => scopeName(scopeUrl(s))).join(', ')}.`
        : `Google connected as ${account}.`;
  notice(text, 'ok');
}

/** Keeps the scope names asked for (never a token) across the trip to Google, to tell a partial grant. */
function rememberAsked(scopes, kind) {
  sessionStorage.setItem(ASKED_KEY, JSON.stringify({ scopes, kind }));
}

function takeAsked() {
  const raw = sessionStorage.getItem(ASKED_KEY);
  sessionStorage.removeItem(ASKED_KEY);
  try {
    const parsed = JSON.parse(raw ?? 'null');
    if (!parsed || !Array.isArray(parsed.scopes)) return null;
    return { scopes: parsed.scopes.filter((s) => typeof s === 'string'), kind: String(parsed.kind) };
  } catch {
    return null;
  }
}

// ---------- rendering ----------

async function render() {
  const user = state.clerk.user;
  if (!user) {
    show('signed-in', false);
    show('who', false);
    show('signed-out', true);
    forgetUser();
    if (!state.signInMounted) {
      state.clerk.mountSignIn($('sign-in'));
      state.signInMounted = true;
    }
    return;
  }
  if (state.signInMounted) {
    state.clerk.unmountSignIn?.($('sign-in'));
    state.signInMounted = false;
  }
  // Another account in the same browser (a switch in another tab): nothing of the previous one may stay on screen.
  if (state.userId !== user.id) forgetUser();
  state.userId = user.id;
  show('signed-out', false);
  show('signed-in', true);
  show('who', true);
  $('who-email').textContent = `Signed in as ${user.primaryEmailAddress?.emailAddress ?? user.id}`;
  renderUsePanel();
  void loadGsi();
  await loadConnection();
}

/** Drops everything of the signed-out user, so the next person on this browser sees nothing of theirs. */
function forgetUser() {
  state.userId = null;
  state.connection = null;
  state.token = null;
  state.drive = { page: 0, next: null };
  for (const id of ['token-result', 'drive-result', 'contacts-result', 'gmail-result']) $(id).replaceChildren();
  show('drive-next', false);
  show('clerk-choice', false);
  clearNotice();
  renderToken();
  renderConnection();
}

async function loadConnection() {
  if (!state.api) return null;
  const result = await state.api.connection();
  if (result.ok) {
    const data = result.data;
    state.connection = data && typeof data === 'object' && 'connection' in data ? data.connection : data;
  } else if (result.problem.code === 'not_connected') {
    state.connection = null;
  } else {
    showProblem($('token-result'), result.problem, () => loadConnection());
    return state.connection;
  }
  renderConnection();
  return state.connection;
}

function renderConnection() {
  const c = state.connection;
  const badge = $('status-badge');
  const connected = Boolean(c);
  const broken = c?.status === 'needs_reconnect';
  badge.textContent = !connected ? 'Not connected' : broken ? 'Needs reconnect' : 'Connected';
  badge.className = `badge ${!connected ? '' : broken ? 'warn' : 'ok'}`;

  show('banner', broken);
  if (broken) $('banner-text').textContent = reconnectText(c.reconnectReason);

  $('fact-source').textContent = connected ? (SOURCE_NAMES[c.source] ?? c.source) : '—';
  $('fact-account').textContent = connected ? (c.google?.email ?? '—') : '—';
  tick();

  const chips = $('scope-chips');
  const scopes = connected ? distinctScopeNames(c.scopes ?? []) : [];
  chips.replaceChildren(
    ...(scopes.length === 0
      ? [el('li', { class: 'chip empty', text: 'Nothing granted yet' })]
      : scopes.map(({ name, scope }) => el('li', { class: 'chip', title: scope, text: name }))),
  );

  show('connect-redirect', !connected);
  show('connect-popup', !connected);
  show('disconnect', connected && c.source !== 'clerk');

  for (const button of document.querySelectorAll('[data-add-scope]')) {
    const short = button.getAttribute('data-add-scope');
    const granted = connected && covers(c.scopes ?? [], short);
    button.disabled = granted;
    button.textContent = granted ? `${ADDABLE[short].label} added` : `Add ${ADDABLE[short].label}`;
  }
}

/** The countdown to the access token's expiry and the time since the last refresh, redrawn every second. */
function tick() {
  const refreshedAt = state.connection?.lastRefreshAt ?? null;
  const refresh = $('fact-refresh');
  refresh.textContent = refreshedAt ? relative(refreshedAt) : '—';
  refresh.title = refreshedAt ? new Date(refreshedAt).toLocaleString() : '';
  const expiresAt = state.token?.expiresAt ?? state.connection?.accessTokenExpiresAt ?? null;
  const target = $('fact-expiry');
  if (!state.connection || !expiresAt) {
    target.textContent = '—';
  } else {
    const time = el('time', { datetime: expiresAt, title: new Date(expiresAt).toLocaleString() });
    time.textContent = countdown(expiresAt);
    target.replaceChildren(time);
  }
  if (state.token)
    $('token-meta').textContent =
      `Source: ${SOURCE_NAMES[state.token.source] ?? state.token.source}. Expires ${countdown(state.token.expiresAt)}.`;
}

function renderUsePanel() {
  const userId = state.clerk.user?.id ?? 'user_123';
  const scopes = state.lastScopes.map((s) => `'${s}'`).join(', ');
  $('use-browser').textContent = [
    "import { createTokenbridgeClient } from 'tokenbridge/client';",
    'const bridge = createTokenbridgeClient({ getSessionToken: () => Clerk.session.getToken() });',
    `const result = await bridge.getGoogleToken([${scopes}]);`,
    '// result.ok ? result.token.accessToken : result.connect() (asks the user for what is missing)',
  ].join('\n');
  const query = state.lastScopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&');
  $('use-server').textContent = [
    '// With the library, in your backend:',
    `const { accessToken } = await bridge.getAccessToken('${userId}', { scopes: [${scopes}] });`,
    '',
    '# Or over HTTP, with an API key from TOKENBRIDGE_API_KEYS:',
    `curl -H "Authorization: Bearer $TOKENBRIDGE_API_KEY" "${location.origin}/api/users/${userId}/google-token?${query}"`,
  ].join('\n');
}

// ---------- connecting ----------

/** The redirect flow: the bridge sends the browser to Google and back to this page. */
function connectRedirect(scopes, kind = scopes.length > 0 ? 'add' : 'connect') {
  rememberAsked(scopes, kind);
  const params = new URLSearchParams();
  for (const scope of ['openid', 'email', 'profile', ...scopes]) params.append('scope', scope);
  params.set('return_to', '/');
  location.assign(`/connect/google?${params}`);
}

/** Loads Google Identity Services ahead of time: the popup must open inside the click, or browsers block it. */
async function loadGsi() {
  if (state.gsi || !state.config.googleClientId) return state.gsi;
  state.gsi = loadScript(state.config.gsiClientUrl).then(() => window.google?.accounts?.oauth2 ?? null);
  state.gsi.catch(() => {
    state.gsi = null;
  });
  return state.gsi;
}

/** The popup flow: GIS's code model hands a code to the callback, which the bridge exchanges. */
function connectPopup(scopes) {
  const oauth2 = window.google?.accounts?.oauth2;
  if (!oauth2 || !state.config.googleClientId) {
    notice('The Google sign-in script is not loaded yet. Try again in a moment, or use "Connect Google".', 'bad', {
      kind: 'connect',
      label: 'Connect Google',
    });
    return;
  }
  const hint = state.connection?.google?.email;
  const client = oauth2.initCodeClient({
    client_id: state.config.googleClientId,
    scope: ['openid', 'email', 'profile', ...scopes.map(scopeUrl)].join(' '),
    ux_mode: 'popup',
    include_granted_scopes: true,
    ...(hint ? { login_hint: hint } : {}),
    callback: async (response) => {
      if (response.error) {
        notice(explain({ code: response.error, message: response.error_description }).text, 'bad');
        return;
      }
      const result = await state.api.exchangeCode(response.code);
      if (!result.ok) {
        const { text, action } = explain(result.problem);
        notice(text, 'bad', action);
        return;
      }
      await reportGrant(scopes, scopes.length > 0 ? 'add' : 'connect');
    },
    error_callback: (error) => {
      const { text, action } = explain({ code: error.type, message: error.message });
      notice(text, 'bad', action);
    },
  });
  client.requestCode();
}

/** Incremental consent for scopes (short names); a Clerk-held account is offered the Clerk way too. */
function addScopes(scopes) {
  state.lastScopes = scopes.map((s) => s.replace('https://www.googleapis.com/auth/', ''));
  renderUsePanel();
  if (state.connection?.source === 'clerk' && clerkGoogleAccount()) {
    $('clerk-choice-scope').textContent = scopes.map((s) => scopeName(scopeUrl(s))).join(', ');
    const choice = $('clerk-choice');
    choice.dataset.scopes = JSON.stringify(scopes);
    choice.hidden = false;
    $('choice-clerk').focus();
    return;
  }
  connectRedirect(scopes);
}

function clerkGoogleAccount() {
  const accounts = state.clerk.user?.externalAccounts ?? [];
  return accounts.find((a) => a.provider === 'google' || a.provider === 'oauth_google');
}

async function addThroughClerk(scopes) {
  const account = clerkGoogleAccount();
  if (!account) return connectRedirect(scopes);
  rememberAsked(scopes, 'add');
  try {
    const updated = await account.reauthorize({
      additionalScopes: scopes.map(scopeUrl),
      // Same marker as the bridge's own callback, so the page reports the outcome the same way.
      redirectUrl: `${location.origin}/?google_connect=connected`,
      // Without it Google may reuse the grant and hand Clerk no refresh token (clerk/javascript#9177).
      oidcPrompt: 'consent',
    });
    const next = updated?.verification?.externalVerificationRedirectURL;
    if (next) location.assign(String(next));
  } catch (error) {
    takeAsked();
    notice(
      `Clerk could not start the Google consent: ${error instanceof Error ? error.message : 'unknown error'}.`,
      'bad',
    );
  }
}

function reconnect() {
  const scopes = (state.connection?.scopes ?? [])
    .filter((s) => !BASIC.has(s))
    .map((s) => s.replace('https://www.googleapis.com/auth/', ''));
  connectRedirect(scopes, 'reconnect');
}

async function disconnect() {
  const button = $('disconnect');
  button.disabled = true;
  const result = await state.api.disconnect();
  button.disabled = false;
  if (!result.ok) {
    const { text, action } = explain(result.problem);
    notice(text, 'bad', action);
    return;
  }
  state.token = null;
  renderToken();
  await loadConnection();
  notice('Google disconnected. Tokenbridge revoked its access at Google and forgot the connection.', 'ok');
  $('connect-redirect').focus();
}

// ---------- token ----------

async function getToken() {
  const target = $('token-result');
  target.replaceChildren();
  const scopes = (state.connection?.scopes ?? []).filter((s) => !BASIC.has(s));
  const result = await state.api.token(scopes);
  if (!result.ok) {
    showProblem(target, result.problem, getToken);
    return;
  }
  state.token = result.data;
  renderToken();
  await loadConnection();
}

function renderToken() {
  const token = state.token;
  $('token-value').textContent = token ? mask(token.accessToken) : 'No token yet';
  $('token-copy').disabled = !token;
  $('token-meta').textContent = '';
  tick();
}

async function copyToken() {
  if (!state.token) return;
  try {
    await navigator.clipboard.writeText(state.token.accessToken);
    notice(`Access token copied. It expires ${countdown(state.token.expiresAt)}.`, 'ok');
  } catch {
    notice('The browser did not allow copying. Use a secure (https or localhost) page.', 'bad');
  }
}

// ---------- try it ----------

/** The scope each try-it panel needs, shown in the "use it from your app" panel once the panel is used. */
const SERVICE_SCOPE = { drive: 'drive.readonly', people: 'contacts.readonly', gmail: 'gmail.readonly' };

async function tryCall(target, button, service, path, draw) {
  state.lastScopes = [SERVICE_SCOPE[service]];
  renderUsePanel();
  button.disabled = true;
  target.replaceChildren(el('p', { text: 'Loading…' }));
  const result = await state.api.proxy(service, path);
  button.disabled = false;
  if (!result.ok) {
    showProblem(target, result.problem, () => tryCall(target, button, service, path, draw));
    return null;
  }
  draw(result.data ?? {});
  return result.data;
}

async function listDrive(pageToken) {
  const params = new URLSearchParams({ pageSize: '5', fields: 'nextPageToken,files(id,name,mimeType)' });
  if (pageToken) params.set('pageToken', pageToken);
  const target = $('drive-result');
  await tryCall(target, $('drive-list'), 'drive', `drive/v3/files?${params}`, (data) => {
    state.drive.page = pageToken ? state.drive.page + 1 : 1;
    state.drive.next = data.nextPageToken ?? null;
    const files = data.files ?? [];
    target.replaceChildren(
      files.length === 0
        ? el('p', { text: 'No files in this Drive.' })
        : el('ul', {}, ...files.map((f) => el('li', { text: `${f.name} (${friendlyMime(f.mimeType)})` }))),
      el('p', { class: 'meta', text: `Page ${state.drive.page}${state.drive.next ? '' : ', the last one'}` }),
    );
    show('drive-next', Boolean(state.drive.next));
  });
}

function friendlyMime(mime) {
  const kinds = {
    'application/vnd.google-apps.folder': 'folder',
    'application/vnd.google-apps.document': 'Google Doc',
    'application/vnd.google-apps.spreadsheet': 'Google Sheet',
    'application/vnd.google-apps.presentation': 'Google Slides',
    'application/pdf': 'PDF',
  };
  return kinds[mime] ?? (mime ? mime.split('/').pop() : 'file');
}

function listContacts() {
  const target = $('contacts-result');
  const params = new URLSearchParams({ personFields: 'names,emailAddresses', pageSize: '10' });
  return tryCall(target, $('contacts-list'), 'people', `v1/people/me/connections?${params}`, (data) => {
    const people = data.connections ?? [];
    target.replaceChildren(
      people.length === 0
        ? el('p', { text: 'No contacts.' })
        : el(
            'ul',
            {},
            ...people.map((p) => {
              const name = p.names?.[0]?.displayName ?? 'Unnamed';
              const email = p.emailAddresses?.[0]?.value;
              return el('li', { text: email ? `${name} <${email}>` : name });
            }),
          ),
      el('p', { class: 'meta', text: `${data.totalPeople ?? people.length} contacts in all` }),
    );
  });
}

function listLabels() {
  const target = $('gmail-result');
  return tryCall(target, $('gmail-list'), 'gmail', 'gmail/v1/users/me/labels', (data) => {
    const labels = data.labels ?? [];
    target.replaceChildren(
      labels.length === 0
        ? el('p', { text: 'No labels.' })
        : el('ul', {}, ...labels.map((l) => el('li', { text: l.name }))),
    );
  });
}

// ---------- wiring ----------

function wire() {
  $('notice-dismiss').addEventListener('click', clearNotice);
  $('load-retry').addEventListener('click', () => location.reload());
  $('sign-out').addEventListener('click', async () => {
    await state.clerk.signOut();
    await render();
  });
  $('connect-redirect').addEventListener('click', () => connectRedirect([]));
  $('connect-popup').addEventListener('click', () => connectPopup([]));
  $('reconnect').addEventListener('click', reconnect);
  $('disconnect').addEventListener('click', disconnect);
  for (const button of document.querySelectorAll('[data-add-scope]')) {
    button.addEventListener('click', () => addScopes([button.getAttribute('data-add-scope')]));
  }
  const choiceScopes = () => JSON.parse($('clerk-choice').dataset.scopes ?? '[]');
  $('choice-clerk').addEventListener('click', () => addThroughClerk(choiceScopes()));
  $('choice-own').addEventListener('click', () => connectRedirect(choiceScopes()));
  $('choice-cancel').addEventListener('click', () => {
    $('clerk-choice').hidden = true;
    document.querySelector('[data-add-scope]:not(:disabled)')?.focus();
  });
  $('token-get').addEventListener('click', getToken);
  $('token-copy').addEventListener('click', copyToken);
  $('drive-list').addEventListener('click', () => listDrive(null));
  $('drive-next').addEventListener('click', () => listDrive(state.drive.next));
  $('contacts-list').addEventListener('click', listContacts);
  $('gmail-list').addEventListener('click', listLabels);
  state.ticking = setInterval(tick, 1000);
}

wire();
void boot();
