// Connecting Google: the redirect flow and the popup flow (both through the shipped client), adding one scope at a
// time (the Clerk way or the bridge's own), reconnecting, disconnecting, and saying what Google granted afterwards.
// Only the scope names asked for are kept in sessionStorage across the trip to Google, to tell a partial grant.

import { covers, problemOf, returnErrorText, scopeName, scopeUrl } from '../words.js';
import { loadConnection } from './connection-panel.js';
import { $ } from './dom.js';
import { notice, noticeProblem } from './notice.js';
import { loadScript } from './sign-in.js';
import { isBasic, state } from './state.js';
import { renderToken } from './token-panel.js';
import { renderUsePanel } from './use-panel.js';

const ASKED_KEY = 'tokenbridge:asked-scopes';
/** Every connect asks for the identity too: the bridge links the Google account by it. */
const IDENTITY = ['openid', 'email', 'profile'];
/** The console's own path, where Google's consent comes back to. */
const here = () => location.pathname;

/** The redirect flow: the bridge sends the browser to Google and back to this page. */
export function connectRedirect(scopes, kind = scopes.length > 0 ? 'add' : 'connect') {
  rememberAsked(scopes, kind);
  state.client.connect([...IDENTITY, ...scopes], { returnTo: here() });
}

/** Loads Google Identity Services ahead of time: the popup must open inside the click, or browsers block it. */
export async function loadGsi() {
  if (state.gsi || !state.config.googleClientId) return state.gsi;
  state.gsi = loadScript(state.config.gsiClientUrl).then(() => window.google?.accounts?.oauth2 ?? null);
  state.gsi.catch(() => {
    state.gsi = null;
  });
  return state.gsi;
}

/** The popup flow (GIS's code model, through the client): runs inside the click, so the popup may open. */
export function connectPopup(scopes) {
  let outcome;
  try {
    outcome = state.client.connectWithPopup(['profile', ...scopes]);
  } catch (error) {
    outcome = Promise.reject(error);
  }
  outcome.then(
    async (result) => {
      if (result.ok) await reportGrant(scopes, scopes.length > 0 ? 'add' : 'connect');
      else noticeProblem(problemOf(result));
    },
    (error) => {
      if (error?.code === 'popup_unavailable') {
        notice('The Google sign-in script is not loaded yet. Try again in a moment, or use "Connect Google".', 'bad', {
          kind: 'connect',
          label: 'Connect Google',
        });
        return;
      }
      noticeProblem(problemOf(error));
    },
  );
}

/** Incremental consent for scopes (short names); a Clerk-held account is offered the Clerk way too. */
export function addScopes(scopes) {
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

export async function addThroughClerk(scopes) {
  const account = clerkGoogleAccount();
  if (!account) return connectRedirect(scopes);
  rememberAsked(scopes, 'add');
  try {
    const updated = await account.reauthorize({
      additionalScopes: scopes.map(scopeUrl),
      // Same marker as the bridge's own callback, so the page reports the outcome the same way.
      redirectUrl: `${location.origin}${here()}?google_connect=connected`,
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

export function reconnect() {
  const scopes = (state.connection?.scopes ?? [])
    .filter((s) => !isBasic(s))
    .map((s) => s.replace('https://www.googleapis.com/auth/', ''));
  // A broken account linked through Clerk is mended where it lives: Clerk asks Google again (reauthorize).
  if (state.connection?.source === 'clerk' && clerkGoogleAccount()) return addThroughClerk(scopes);
  connectRedirect(scopes, 'reconnect');
}

/** What disconnecting does, for each source: said before it happens (the confirmation) and after. */
const DISCONNECT = {
  oauth: {
    title: 'Disconnect Google?',
    text: 'Tokenbridge revokes its access at Google and forgets the connection. Your app gets no Google token for you until you connect again; what you granted would have to be granted again.',
    yes: 'Revoke access and disconnect',
    done: 'Google disconnected. Tokenbridge revoked its access at Google and forgot the connection.',
  },
  clerk: {
    title: 'Remove Google from your Clerk account?',
    text: 'Your Google account is linked in Clerk (you signed in with Google). Removing it there makes Clerk forget its Google tokens, so Tokenbridge can no longer get tokens through Clerk. You stay signed in. Clerk does not revoke the access at Google: to end it there too, remove the app under Third-party access in your Google Account.',
    yes: 'Remove Google from Clerk',
    done: 'Google removed from your Clerk account. Clerk forgot its Google tokens; Tokenbridge gets none through Clerk now.',
  },
};

/** Asks first: disconnecting ends access the user may have to grant again. */
export function confirmDisconnect() {
  const words = DISCONNECT[state.connection?.source === 'clerk' ? 'clerk' : 'oauth'];
  $('disconnect-confirm-title').textContent = words.title;
  $('disconnect-confirm-text').textContent = words.text;
  $('disconnect-yes').textContent = words.yes;
  $('disconnect-confirm').hidden = false;
  $('disconnect-cancel').focus();
}

export function cancelDisconnect() {
  $('disconnect-confirm').hidden = true;
  $('disconnect').focus();
}

/** Ends the connection once confirmed: the bridge's own is revoked at Google; Clerk's is removed from Clerk. */
export async function disconnect() {
  const clerkHeld = state.connection?.source === 'clerk';
  const button = $('disconnect-yes');
  button.disabled = true;
  let result;
  try {
    // The bridge's DELETE also drops what it remembers of the Clerk-held account, so the card reads Clerk again.
    if (clerkHeld) await clerkGoogleAccount()?.destroy();
    result = await state.client.disconnect();
  } catch (error) {
    result = { ok: false, error };
  } finally {
    button.disabled = false;
  }
  if (!result.ok) {
    const error = result.error;
    if (error?.clerkError) notice(`Clerk could not remove the Google account: ${error.message}`, 'bad');
    else noticeProblem(problemOf(error ?? result));
    return;
  }
  $('disconnect-confirm').hidden = true;
  state.token = null;
  renderToken();
  await loadConnection();
  notice(DISCONNECT[clerkHeld ? 'clerk' : 'oauth'].done, 'ok');
  $('connect-redirect').focus();
}

/**
 * What the bridge's callback put in the URL on the way back (`?google_connect=connected` or the error, such as
 * `access_denied`); the URL is cleaned right away so a reload does not repeat the message.
 */
export function readReturnMarkers() {
  const url = new URL(location.href);
  const outcome = url.searchParams.get('google_connect');
  if (outcome === null) return null;
  url.searchParams.delete('google_connect');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
  return { error: outcome === 'connected' ? null : outcome };
}

export async function reportReturn(returned) {
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
  const added = asked.filter((s) => !isBasic(s));
  if (added.length > 0) {
    // Ask the bridge for a token with the new scopes first: it is the judge of what the grant covers (a Clerk-held
    // grant changed by reauthorize is read again), and the card then shows a token that carries them.
    const result = await state.client.getGoogleToken(added).catch(() => null);
    if (result?.ok) {
      state.token = result.token;
      renderToken();
    }
  }
  const connection = await loadConnection();
  if (!connection) return;
  const missing = asked.filter((s) => !isBasic(s) && !covers(connection.scopes, s));
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
