// The Tokenbridge console: sign in with Clerk, connect Google (redirect or popup), see the connection, get a token and
// try it through the proxy. Plain DOM and ES modules, one per panel, no build step; the bridge is reached through the
// shipped browser client (tokenbridge/client), served by the bridge under /modules/.

import { createTokenbridgeClient } from '../modules/client/index.js';
import {
  addScopes,
  addThroughClerk,
  cancelDisconnect,
  confirmDisconnect,
  connectPopup,
  connectRedirect,
  disconnect,
  loadGsi,
  readReturnMarkers,
  reconnect,
  reportReturn,
} from './console/connect.js';
import { loadConnection, renderConnection, tick } from './console/connection-panel.js';
import { $, show } from './console/dom.js';
import { clearNotice, fixes } from './console/notice.js';
import { loadClerk, loadConfig, SIGN_IN_APPEARANCE } from './console/sign-in.js';
import { state } from './console/state.js';
import { copyToken, getToken, renderToken } from './console/token-panel.js';
import { listContacts, listDrive, listLabels } from './console/try-panel.js';
import { renderUsePanel } from './console/use-panel.js';

async function boot() {
  const returned = readReturnMarkers();
  try {
    state.config = await loadConfig();
    state.clerk = await loadClerk(state.config);
  } catch (error) {
    show('loading', false);
    // Each loader words its own failure with its cause (the bridge down, Clerk down, an origin Clerk refuses).
    $('load-failed-text').textContent =
      error instanceof Error ? error.message : 'Something unexpected stopped the console. Try again.';
    show('load-failed', true);
    return;
  }
  state.client = createTokenbridgeClient({
    // The bridge serves this page: its routes sit next to it.
    baseUrl: new URL('.', location.href).href.replace(/\/+$/, ''),
    getSessionToken: async () => (state.clerk.session ? await state.clerk.session.getToken() : null),
    credentials: 'same-origin',
    ...(state.config.googleClientId ? { popup: { clientId: state.config.googleClientId } } : {}),
  });
  state.clerk.addListener?.(() => void render());
  show('loading', false);
  await render();
  if (returned) await reportReturn(returned);
}

async function render() {
  const user = state.clerk.user;
  if (!user) {
    show('signed-in', false);
    show('who', false);
    show('signed-out', true);
    forgetUser();
    if (!state.signInMounted) {
      // One box for everyone: an address Clerk does not know goes on to sign-up. Back here once signed in.
      const here = new URL('.', location.href).href;
      state.clerk.mountSignIn($('sign-in'), {
        withSignUp: true,
        forceRedirectUrl: here,
        signUpForceRedirectUrl: here,
        appearance: SIGN_IN_APPEARANCE,
      });
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
  // Once per load the bridge asks Google whether the grant still works, so a revocation shows at once.
  await loadConnection({ checkWithGoogle: true });
}

/** Drops everything of the signed-out user, so the next person on this browser sees nothing of theirs. */
function forgetUser() {
  state.userId = null;
  state.connection = null;
  state.token = null;
  state.client?.invalidate();
  state.drive = { page: 0, next: null };
  for (const id of ['token-result', 'drive-result', 'contacts-result', 'gmail-result']) $(id).replaceChildren();
  show('drive-next', false);
  show('clerk-choice', false);
  clearNotice();
  renderToken();
  renderConnection();
}

function wire() {
  fixes.signin = () => state.clerk?.openSignIn?.();
  fixes.connect = () => connectRedirect([]);
  fixes.add = (scopes) => addScopes(scopes);
  fixes.reconnect = () => reconnect();
  fixes.refreshConnection = () => void loadConnection();

  $('notice-dismiss').addEventListener('click', clearNotice);
  $('load-retry').addEventListener('click', () => location.reload());
  $('sign-out').addEventListener('click', async () => {
    await state.clerk.signOut();
    await render();
  });
  $('connect-redirect').addEventListener('click', () => connectRedirect([]));
  $('connect-popup').addEventListener('click', () => connectPopup([]));
  $('reconnect').addEventListener('click', reconnect);
  $('disconnect').addEventListener('click', confirmDisconnect);
  $('disconnect-yes').addEventListener('click', disconnect);
  $('disconnect-cancel').addEventListener('click', cancelDisconnect);
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
  setInterval(tick, 1000);
}

wire();
void boot();
