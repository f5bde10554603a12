// Google Identity Services, the OAuth 2.0 half (`google.accounts.oauth2`), as the Google emulator serves it at
// /gsi/client. It follows the published API of https://accounts.google.com/gsi/client: `initCodeClient`,
// `initTokenClient`, `hasGrantedAllScopes`, `hasGrantedAnyScope` and `revoke`, so a page written for the real script
// runs unchanged against the emulator.
(() => {
  const script = document.currentScript;
  // The origin that served this script plays accounts.google.com: consent pages, the revoke endpoint, the messages.
  const ACCOUNTS = script instanceof HTMLScriptElement && script.src ? new URL(script.src).origin : location.origin;
  const AUTH_PATH = '/o/oauth2/v2/auth';
  const MESSAGE_TYPE = 'gsi:code_response';
  const POPUP_FEATURES = 'width=500,height=640,menubar=no,toolbar=no,location=yes,resizable=yes,scrollbars=yes';
  const LOG_PREFIX = '[GSI_LOGGER-OAUTH2_CLIENT]: ';

  const google = window.google || {};
  window.google = google;
  google.accounts = google.accounts || {};
  if (google.accounts.oauth2) return;

  const fail = (message) => {
    throw new Error(LOG_PREFIX + message);
  };

  const scopeList = (scope) => {
    if (Array.isArray(scope)) return scope.join(' ');
    return typeof scope === 'string' ? scope.trim() : '';
  };

  const checkConfig = (config, kind) => {
    if (config === null || typeof config !== 'object') fail(`${kind}: config must be an object.`);
    if (typeof config.client_id !== 'string' || config.client_id === '') fail('Missing required parameter client_id.');
    if (scopeList(config.scope) === '') fail('Missing required parameter scope.');
    if (config.ux_mode !== undefined && config.ux_mode !== 'popup' && config.ux_mode !== 'redirect') {
      fail(`Invalid ux_mode: ${config.ux_mode}`);
    }
  };

  const buildUrl = (config, extra) => {
    const url = new URL(AUTH_PATH, ACCOUNTS);
    const params = url.searchParams;
    params.set('gsiwebsdk', '3');
    params.set('client_id', config.client_id);
    params.set('scope', scopeList(config.scope));
    for (const [key, value] of Object.entries(extra)) params.set(key, value);
    params.set('include_granted_scopes', config.include_granted_scopes === false ? 'false' : 'true');
    if (config.enable_granular_consent !== undefined) {
      params.set('enable_granular_consent', String(Boolean(config.enable_granular_consent)));
    }
    if (typeof config.state === 'string' && config.state !== '') params.set('state', config.state);
    if (typeof config.login_hint === 'string' && config.login_hint !== '') params.set('login_hint', config.login_hint);
    if (typeof config.hd === 'string' && config.hd !== '') params.set('hd', config.hd);
    const prompt = typeof config.prompt === 'string' ? config.prompt.split(/\s+/).filter(Boolean) : [];
    if (config.select_account === true && !prompt.includes('select_account')) prompt.push('select_account');
    if (prompt.length > 0) params.set('prompt', prompt.join(' '));
    return url.toString();
  };

  const reportError = (config, type, message) => {
    const error = { type, message };
    if (typeof config.error_callback === 'function') config.error_callback(error);
    else console.warn(LOG_PREFIX + message);
  };

  // One popup flow at a time per page, as with the real script: a new request supersedes the previous one.
  let cancelActive = () => {};

  /** Opens `url` in a popup and resolves the flow with the response the emulator's relay page posts back. */
  const runPopup = (config, url, deliver) => {
    cancelActive();
    const popup = window.open(url, 'g_auth_code_window', POPUP_FEATURES);
    if (!popup) {
      reportError(config, 'popup_failed_to_open', 'Failed to open popup window');
      return;
    }
    let settled = false;
    const finish = () => {
      settled = true;
      window.removeEventListener('message', onMessage);
      clearInterval(watch);
      cancelActive = () => {};
    };
    const onMessage = (event) => {
      // Only the popup we opened, served from the accounts origin, may answer; anything else is ignored.
      if (settled || event.origin !== ACCOUNTS || event.source !== popup) return;
      const data = event.data;
      if (!data || data.type !== MESSAGE_TYPE || !data.response || typeof data.response !== 'object') return;
      finish();
      try {
        popup.close();
      } catch {
        // The popup may already be gone.
      }
      deliver(Object.assign({}, data.response));
    };
    const watch = setInterval(() => {
      if (settled || !popup.closed) return;
      // A message posted just before the popup closed is still queued: give it one more turn.
      setTimeout(() => {
        if (settled) return;
        finish();
        reportError(config, 'popup_closed', 'Popup window closed');
      }, 50);
    }, 300);
    window.addEventListener('message', onMessage);
    cancelActive = () => {
      if (settled) return;
      finish();
      reportError(config, 'unknown', 'The request was superseded by a new one');
    };
  };

  /** The code model: an authorization code for the app's backend to exchange. */
  const initCodeClient = (config) => {
    checkConfig(config, 'initCodeClient');
    const uxMode = config.ux_mode || 'popup';
    return {
      requestCode() {
        if (uxMode === 'redirect') {
          const redirectUri =
            typeof config.redirect_uri === 'string' && config.redirect_uri !== ''
              ? config.redirect_uri
              : location.origin + location.pathname;
          location.assign(
            buildUrl(config, { redirect_uri: redirectUri, response_type: 'code', access_type: 'offline' }),
          );
          return;
        }
        const url = buildUrl(config, {
          redirect_uri: 'postmessage',
          origin: location.origin,
          response_type: 'code',
          access_type: 'offline',
        });
        runPopup(config, url, (response) => {
          if (typeof config.callback === 'function') config.callback(response);
        });
      },
    };
  };

  /** The token model. The emulator issues codes only, so it reports that the flow is unavailable. */
  const initTokenClient = (config) => {
    checkConfig(config, 'initTokenClient');
    return {
      requestAccessToken() {
        reportError(config, 'unknown', 'The token model is not available in the Google emulator; use initCodeClient.');
      },
    };
  };

  const grantedScopes = (response) =>
    new Set(response && typeof response.scope === 'string' ? response.scope.split(/\s+/).filter(Boolean) : []);

  const hasGrantedAllScopes = (response, first, ...rest) => {
    const granted = grantedScopes(response);
    return [first, ...rest].every((scope) => granted.has(scope));
  };

  const hasGrantedAnyScope = (response, first, ...rest) => {
    const granted = grantedScopes(response);
    return [first, ...rest].some((scope) => granted.has(scope));
  };

  const revoke = (accessToken, done) => {
    const body = new URLSearchParams({ token: String(accessToken) });
    fetch(new URL('/revoke', ACCOUNTS), { method: 'POST', body })
      .then(async (res) => {
        const reply = res.ok ? {} : await res.json().catch(() => ({}));
        if (typeof done === 'function') {
          done(
            res.ok
              ? { successful: true }
              : { successful: false, error: reply.error || 'unknown', error_description: reply.error_description },
          );
        }
      })
      .catch(() => {
        if (typeof done === 'function') done({ successful: false, error: 'network_error' });
      });
  };

  google.accounts.oauth2 = Object.freeze({
    initCodeClient,
    initTokenClient,
    hasGrantedAllScopes,
    hasGrantedAnyScope,
    revoke,
  });
})();
