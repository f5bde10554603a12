// The access-token card: get a token from the bridge, show it masked, copy it.

import { problemOf } from '../words.js';
import { loadConnection, tick } from './connection-panel.js';
import { $, countdown, mask } from './dom.js';
import { notice, showProblem } from './notice.js';
import { isBasic, state } from './state.js';

/** Asks the bridge for a token covering what the connection holds (always the bridge: the button is about its answer). */
export async function getToken() {
  const target = $('token-result');
  target.replaceChildren();
  const scopes = (state.connection?.scopes ?? []).filter((s) => !isBasic(s));
  state.client.invalidate();
  let result;
  try {
    result = await state.client.getGoogleToken(scopes);
  } catch (error) {
    showProblem(target, problemOf(error), getToken);
    return;
  }
  if (!result.ok) {
    showProblem(target, problemOf(result), getToken);
    return;
  }
  state.token = result.token;
  renderToken();
  await loadConnection();
}

export function renderToken() {
  const token = state.token;
  const broken = state.connection?.status === 'needs_reconnect';
  $('token-value').textContent = token
    ? mask(token.accessToken)
    : broken
      ? 'No token: reconnect Google first'
      : 'No token yet';
  $('token-copy').disabled = !token;
  $('token-meta').textContent = '';
  tick();
}

export async function copyToken() {
  if (!state.token) return;
  try {
    await navigator.clipboard.writeText(state.token.accessToken);
    notice(`Access token copied. It expires ${countdown(state.token.expiresAt)}.`, 'ok');
  } catch {
    notice('The browser did not allow copying. Use a secure (https or localhost) page.', 'bad');
  }
}
