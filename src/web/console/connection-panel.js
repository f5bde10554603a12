// The Google connection card: status, source, account, expiry countdown, last refresh, granted scopes, and the
// reconnect banner.

import { ADDABLE, covers, distinctScopeNames, problemOf, reconnectText, SOURCE_NAMES } from '../words.js';
import { $, countdown, el, relative, show } from './dom.js';
import { showProblem } from './notice.js';
import { state } from './state.js';
import { renderToken } from './token-panel.js';

/**
 * Reads the signed-in user's connection from the bridge and redraws the card; resolves with it (or null). With
 * `checkWithGoogle` (when the page loads) the bridge asks Google first whether the grant still works.
 */
export async function loadConnection(options = {}) {
  if (!state.client) return null;
  let result;
  try {
    result = await state.client.connection(options);
  } catch (error) {
    showProblem($('token-result'), problemOf(error), () => loadConnection());
    return state.connection;
  }
  if (!result.ok) {
    showProblem($('token-result'), problemOf(result), () => loadConnection());
    return state.connection;
  }
  state.connection = result.connection;
  // A dead grant's token is dead too: nothing of it stays on screen, and the token card says what comes first.
  if (state.connection?.status === 'needs_reconnect') state.token = null;
  renderToken();
  renderConnection();
  return state.connection;
}

export function renderConnection() {
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

  // A dead grant gives nothing: what it held is listed as what reconnecting asks for again, not as granted.
  $('scopes-title').textContent = broken ? 'Access to restore by reconnecting' : 'Granted access';
  const chips = $('scope-chips');
  chips.classList.toggle('lapsed', broken);
  const scopes = connected ? distinctScopeNames(c.scopes ?? []) : [];
  chips.replaceChildren(
    ...(scopes.length === 0
      ? [el('li', { class: 'chip empty', text: broken ? 'Nothing until you reconnect' : 'Nothing granted yet' })]
      : scopes.map(({ name, scope }) => el('li', { class: 'chip', title: scope, text: name }))),
  );

  show('connect-redirect', !connected);
  show('connect-popup', !connected);
  // Both kinds of connection can end here: the bridge's own (revoked at Google) and Clerk's (removed from Clerk).
  show('disconnect', connected);
  if (!connected) show('disconnect-confirm', false);

  // Access is added to a working grant: after a revocation, reconnecting comes first.
  show('add-blocked', broken);
  for (const button of document.querySelectorAll('[data-add-scope]')) {
    const short = button.getAttribute('data-add-scope');
    const granted = connected && !broken && covers(c.scopes ?? [], short);
    button.disabled = granted || broken;
    button.textContent = granted ? `${ADDABLE[short].label} added` : `Add ${ADDABLE[short].label}`;
  }
}

/** The countdown to the access token's expiry and the time since the last refresh, redrawn every second. */
export function tick() {
  const refreshedAt = state.connection?.lastRefreshAt ?? null;
  const refresh = $('fact-refresh');
  refresh.textContent = refreshedAt ? relative(refreshedAt) : '—';
  refresh.title = refreshedAt ? new Date(refreshedAt).toLocaleString() : '';
  const expiresAt = state.token?.expiresAt ?? state.connection?.accessTokenExpiresAt ?? null;
  const target = $('fact-expiry');
  if (!state.connection || state.connection.status === 'needs_reconnect' || !expiresAt) {
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
