/**
 * The sandbox's clerk.browser.js: the part of clerk-js a plain page uses (`window.Clerk`), talking to this emulator's
 * Frontend API. Plain ES2017 so it runs in any browser the tests drive; no external resources.
 */
export function clerkBrowserScript(frontendApi: string, version: string): string {
  return `/* clerk.browser.js (Clerk sandbox ${version}) */
(function () {
  'use strict';
  if (window.Clerk && window.Clerk.__sandbox) return;
  var script = document.currentScript;
  var FAPI = ${JSON.stringify(frontendApi)};
  try { if (script && script.src) FAPI = new URL(script.src).origin; } catch (e) {}
  var PK = (script && script.getAttribute('data-clerk-publishable-key')) || null;
  var DB = '__clerk_db_jwt';
  var REFRESH_MS = 50000;

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return null;
  }
  function writeCookie(name, value, maxAge) {
    document.cookie = name + '=' + encodeURIComponent(value) + '; path=/; SameSite=Lax' +
      (maxAge === undefined ? '' : '; max-age=' + maxAge);
  }
  function adoptDevBrowser() {
    var url = new URL(window.location.href);
    var token = url.searchParams.get(DB);
    if (!token) return;
    writeCookie(DB, token, 31536000);
    url.searchParams.delete(DB);
    try { window.history.replaceState(window.history.state, '', url.toString()); } catch (e) {}
  }
  function encodeForm(body) {
    var form = new URLSearchParams();
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      if (value === undefined || value === null) return;
      if (Array.isArray(value)) value.forEach(function (v) { form.append(key, v); });
      else form.append(key, String(value));
    });
    return form.toString();
  }
  function api(method, path, body) {
    var url = new URL(FAPI + path);
    var db = readCookie(DB);
    if (db) url.searchParams.set(DB, db);
    var init = { method: method, credentials: 'include', headers: { accept: 'application/json' } };
    if (body) { init.headers['content-type'] = 'application/x-www-form-urlencoded'; init.body = encodeForm(body); }
    return fetch(url.toString(), init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) {
          var first = (json.errors && json.errors[0]) || {};
          var error = new Error(first.long_message || first.message || ('Clerk sandbox: HTTP ' + res.status));
          error.status = res.status; error.errors = json.errors || []; error.clerkError = true;
          throw error;
        }
        return json;
      });
    });
  }

  function ExternalAccount(json) {
    this.id = json.id;
    this.provider = String(json.provider || '').replace(/^oauth_/, '');
    this.providerUserId = json.provider_user_id;
    this.emailAddress = json.email_address;
    this.approvedScopes = json.approved_scopes || '';
    this.firstName = json.first_name; this.lastName = json.last_name; this.imageUrl = json.image_url;
    var v = json.verification || {};
    this.verification = {
      status: v.status || null, strategy: v.strategy || null, error: v.error || null,
      externalVerificationRedirectURL: v.external_verification_redirect_url ? new URL(v.external_verification_redirect_url) : null
    };
  }
  ExternalAccount.prototype.reauthorize = function (params) {
    params = params || {};
    return api('PATCH', '/v1/me/external_accounts/' + encodeURIComponent(this.id) + '/reauthorize', {
      redirect_url: params.redirectUrl || window.location.href,
      additional_scope: params.additionalScopes,
      oidc_prompt: params.oidcPrompt,
      oidc_login_hint: params.oidcLoginHint
    }).then(function (json) { return new ExternalAccount(json.response); });
  };

  ExternalAccount.prototype.destroy = function () {
    return api('DELETE', '/v1/me/external_accounts/' + encodeURIComponent(this.id)).then(function () {
      // clerk-js takes the changed client from the answer and tells its listeners; so does the sandbox.
      return clerk.__refreshClient().then(function () { emit(); });
    });
  };

  function User(json) {
    this.id = json.id;
    this.firstName = json.first_name; this.lastName = json.last_name;
    this.fullName = [json.first_name, json.last_name].filter(Boolean).join(' ') || null;
    this.username = json.username; this.imageUrl = json.image_url;
    this.emailAddresses = (json.email_addresses || []).map(function (e) { return { id: e.id, emailAddress: e.email_address, toString: function () { return e.email_address; } }; });
    var primaryId = json.primary_email_address_id;
    this.primaryEmailAddressId = primaryId;
    this.primaryEmailAddress = this.emailAddresses.filter(function (e) { return e.id === primaryId; })[0] || null;
    this.externalAccounts = (json.external_accounts || []).map(function (a) { return new ExternalAccount(a); });
    this.publicMetadata = json.public_metadata || {}; this.unsafeMetadata = json.unsafe_metadata || {};
    this.createdAt = new Date(json.created_at); this.updatedAt = new Date(json.updated_at);
  }
  User.prototype.createExternalAccount = function (params) {
    params = params || {};
    return api('POST', '/v1/me/external_accounts', {
      strategy: params.strategy || 'oauth_google',
      redirect_url: params.redirectUrl || window.location.href,
      additional_scope: params.additionalScopes,
      oidc_prompt: params.oidcPrompt,
      oidc_login_hint: params.oidcLoginHint
    }).then(function (json) { return new ExternalAccount(json.response); });
  };
  User.prototype.reload = function () {
    return clerk.__refreshClient().then(function () { return clerk.user; });
  };

  function Session(json, user) {
    this.id = json.id; this.status = json.status; this.user = user;
    this.lastActiveAt = new Date(json.last_active_at); this.expireAt = new Date(json.expire_at);
    this.lastActiveToken = null;
    this.__cache = null;
  }
  Session.prototype.getToken = function (options) {
    var self = this;
    options = options || {};
    if (options.template) return Promise.reject(new Error('JWT templates are not available in the Clerk sandbox.'));
    var now = Date.now() / 1000;
    if (!options.skipCache && self.__cache && self.__cache.exp - now > 10) return Promise.resolve(self.__cache.jwt);
    return api('POST', '/v1/client/sessions/' + encodeURIComponent(self.id) + '/tokens').then(function (json) {
      var payload = JSON.parse(atob(json.jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      self.__cache = { jwt: json.jwt, exp: payload.exp };
      self.lastActiveToken = { jwt: { claims: payload }, getRawString: function () { return json.jwt; } };
      if (clerk.session === self) writeCookie('__session', json.jwt);
      return json.jwt;
    }, function (error) {
      if (error.status === 401 || error.status === 404) { clerk.__signedOutLocally(); return null; }
      throw error;
    });
  };
  Session.prototype.end = function () { return api('POST', '/v1/client/sessions/' + encodeURIComponent(this.id) + '/end'); };
  Session.prototype.remove = function () { return api('POST', '/v1/client/sessions/' + encodeURIComponent(this.id) + '/remove'); };

  var listeners = [];
  var timer = null;

  function signInUrl(props) {
    props = props || {};
    var back = props.forceRedirectUrl || props.redirectUrl || props.fallbackRedirectUrl || window.location.href;
    return FAPI + '/sign-in?redirect_url=' + encodeURIComponent(back);
  }

  var clerk = {
    __sandbox: true,
    version: ${JSON.stringify(version)},
    loaded: false,
    status: 'loading',
    publishableKey: PK,
    frontendApi: FAPI.replace(/^https?:\\/\\//, ''),
    client: null,
    session: null,
    user: null,
    get isSignedIn() { return !!this.user; },
    load: function () {
      adoptDevBrowser();
      return clerk.__refreshClient().then(function () {
        clerk.loaded = true; clerk.status = 'ready';
        if (!timer) {
          timer = setInterval(function () { if (clerk.session) clerk.session.getToken({ skipCache: true }).catch(function () {}); }, REFRESH_MS);
          document.addEventListener('visibilitychange', function () {
            if (document.visibilityState === 'visible' && clerk.session) clerk.session.getToken().catch(function () {});
          });
        }
        emit();
        return clerk;
      });
    },
    __refreshClient: function () {
      return api('GET', '/v1/client').then(function (json) {
        var c = json.response;
        if (!c) { setSignedOut(); return; }
        var active = (c.sessions || []).filter(function (s) { return s.id === c.last_active_session_id; })[0];
        clerk.client = { id: c.id, lastActiveSessionId: c.last_active_session_id, sessions: [] };
        if (!active) { setSignedOut(); return; }
        var user = new User(active.user);
        var session = new Session(active, user);
        clerk.client.sessions = [session];
        clerk.user = user; clerk.session = session;
        writeCookie('__client_uat', String(Math.floor((c.updated_at || Date.now()) / 1000)), 31536000);
        return session.getToken({ skipCache: true });
      });
    },
    __signedOutLocally: function () { setSignedOut(); emit(); },
    addListener: function (callback) {
      listeners.push(callback);
      if (clerk.loaded) callback(snapshot());
      return function () { listeners = listeners.filter(function (l) { return l !== callback; }); };
    },
    signOut: function (a, b) {
      var callback = typeof a === 'function' ? a : null;
      var options = (typeof a === 'object' && a) || (typeof b === 'object' && b) || {};
      var ending = clerk.session ? clerk.session.end().catch(function () {}) : Promise.resolve();
      return ending.then(function () {
        setSignedOut(); emit();
        if (callback) return callback();
        if (options.redirectUrl) window.location.assign(options.redirectUrl);
      });
    },
    buildSignInUrl: signInUrl,
    redirectToSignIn: function (props) { window.location.assign(signInUrl(props)); return new Promise(function () {}); },
    openSignIn: function (props) { window.location.assign(signInUrl(props)); },
    closeSignIn: function () {},
    mountSignIn: function (el, props) {
      if (!el) throw new Error('Clerk: mountSignIn needs an element.');
      props = props || {};
      var back = props.forceRedirectUrl || props.redirectUrl || props.fallbackRedirectUrl || window.location.href;
      el.innerHTML = '';
      var box = document.createElement('div');
      box.setAttribute('data-clerk-component', 'SignIn');
      if (clerk.user) {
        box.textContent = 'Signed in as ' + (clerk.user.primaryEmailAddress ? clerk.user.primaryEmailAddress.emailAddress : clerk.user.id);
        el.appendChild(box);
        return;
      }
      var form = document.createElement('form');
      form.method = 'post'; form.action = FAPI + '/sign-in';
      form.innerHTML = '<label>Email address <input type="email" name="email_address" required></label>' +
        '<input type="hidden" name="redirect_url"><button type="submit">Continue</button>';
      form.querySelector('input[name=redirect_url]').value = back;
      var google = document.createElement('a');
      google.textContent = 'Continue with Google';
      google.setAttribute('data-clerk-strategy', 'oauth_google');
      google.href = FAPI + '/sign-in/google?redirect_url=' + encodeURIComponent(back) +
        (props.additionalOAuthScopes && props.additionalOAuthScopes.google ? '&additional_scope=' + encodeURIComponent(props.additionalOAuthScopes.google.join(' ')) : '');
      box.appendChild(form); box.appendChild(google);
      el.appendChild(box);
    },
    unmountSignIn: function (el) { if (el) el.innerHTML = ''; },
    handleRedirectCallback: function () { return clerk.load(); }
  };

  function snapshot() { return { client: clerk.client, session: clerk.session, user: clerk.user }; }
  function emit() { var s = snapshot(); listeners.slice().forEach(function (l) { try { l(s); } catch (e) { console.error(e); } }); }
  function setSignedOut() {
    clerk.session = null; clerk.user = null;
    if (clerk.client) clerk.client.sessions = [];
    writeCookie('__session', '', 0);
    writeCookie('__client_uat', '0', 31536000);
  }

  window.Clerk = clerk;
})();
`;
}
