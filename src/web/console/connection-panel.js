// The Google connection card: status, source, account, expiry countdown, last refresh, granted scopes, and the
// reconnect banner.

import { ADDABLE, covers, distinctScopeNames, problemOf, reconnectText, SOURCE_NAMES } from '../words.js';
import { $, countdown, el, relative, show } from './dom.js';
import { showProblem } from './notice.js';
import { state } from './state.js';

/** Reads the signed-in user's connection from the bridge and redraws the card; resolves with it (or null). */
export async function loadConnection() {
  if (!state.client) return null;
  let result;
  try {
    result = await state.client.connection();
  } catch (error) {
    showProblem($('token-result'), problemOf(error), () => loadConnection());
    return state.connection;
  }
  if (!result.ok) {
    showProblem($('token-result'), problemOf(result), () => loadConnection());
    return state.connection;
  }
  state.connection = result.connection;
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
export function tick() {
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
