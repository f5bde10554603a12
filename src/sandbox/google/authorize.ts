import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../kit/clock.js';
import { findAccount, type GoogleAccount } from './accounts.js';
import type { ClientRegistry, OAuthClient } from './clients.js';
import { allowedPostMessageOrigin, POSTMESSAGE_REDIRECT_URI, sendGsiRelay } from './gsi/index.js';
import { param } from './oauth-reply.js';
import type { OAuthState } from './oauth-state.js';
import { CHOOSER_ACTION, CONSENT_ACTION, chooserPage, consentPage, errorPage } from './pages.js';
import { expandScopes, isBasicScope, isKnownScope, parseScopeParam, withImpliedOpenid } from './scopes.js';
import type { SessionStore } from './sessions.js';

/** A validated authorization request, waiting for the user. */
interface PendingRequest {
  id: string;
  client: OAuthClient;
  redirectUri: string;
  /** For `redirect_uri=postmessage` (the GIS popup): the page origin the answer is posted to. */
  origin?: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  prompt: Set<string>;
  loginHint?: string;
  /** `hd`: the Workspace domain the app expects (`*` for any Workspace domain); the chooser lists only those accounts. */
  hostedDomain?: string;
  offline: boolean;
  includeGrantedScopes: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  expiresAt: number;
  /** Set once the user picked an account. */
  sub?: string;
}

export interface AuthorizeDeps {
  clients: ClientRegistry;
  state: OAuthState;
  sessions: SessionStore;
  clock: Clock;
  issuer: string;
  accounts(): readonly GoogleAccount[];
}

const PENDING_LIFETIME_MS = 60 * 60 * 1000;
const PKCE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** The authorization endpoint and its consent pages. */
export class AuthorizationEndpoint {
  private pending = new Map<string, PendingRequest>();

  constructor(private readonly deps: AuthorizeDeps) {}

  /** Registers `/o/oauth2/v2/auth` (GET and POST), the chooser and the consent form targets. */
  register(app: FastifyInstance): void {
    const start = (request: FastifyRequest, reply: FastifyReply) =>
      this.start(request, reply, request.method === 'POST' ? request.body : request.query);
    app.get('/o/oauth2/v2/auth', start);
    app.post('/o/oauth2/v2/auth', start);
    // The v1 path that older libraries still build.
    app.get('/o/oauth2/auth', start);
    app.post(CHOOSER_ACTION, (request, reply) => this.choose(request, reply));
    app.post(CONSENT_ACTION, (request, reply) => this.consent(request, reply));
  }

  /** Forgets pending requests. */
  reset(): void {
    this.pending.clear();
  }

  private start(request: FastifyRequest, reply: FastifyReply, params: unknown) {
    const validated = this.validate(params);
    if ('error' in validated)
      return page(
        reply,
        validated.status,
        errorPage(validated.status, validated.error, validated.description, validated.details),
      );
    const pending = validated;
    const session = this.deps.sessions.fromRequest(request);
    const signedIn = (session?.accounts ?? [])
      .map((sub) => this.account(sub))
      .filter((a): a is GoogleAccount => a !== undefined);
    const hinted = pending.loginHint === undefined ? undefined : findAccount(this.deps.accounts(), pending.loginHint);

    if (pending.prompt.has('none')) {
      // No UI may be shown: the answer depends only on the existing session and grant.
      const account =
        hinted !== undefined
          ? signedIn.find((a) => a.sub === hinted.sub)
          : signedIn.length === 1
            ? signedIn[0]
            : undefined;
      if (signedIn.length === 0 || (hinted !== undefined && account === undefined)) {
        return redirectError(reply, pending, 'login_required');
      }
      if (account === undefined) return redirectError(reply, pending, 'account_selection_required');
      if (this.needsConsent(pending, account)) return redirectError(reply, pending, 'consent_required');
      pending.sub = account.sub;
      return this.complete(
        request,
        reply,
        pending,
        pending.scopes.filter((s) => this.granted(pending, account).has(s)),
        'none',
      );
    }

    this.pending.set(pending.id, pending);
    if (hinted !== undefined && !pending.prompt.has('select_account'))
      return this.afterAccount(request, reply, pending, hinted);
    return page(reply, 200, chooserPage(pending.id, pending.client.name, this.chooserAccounts(pending)));
  }

  private choose(request: FastifyRequest, reply: FastifyReply) {
    const pending = this.pendingFrom(request.body);
    if (pending === undefined) return expired(reply);
    const chosen = param(request.body, 'account');
    const account = chosen === undefined ? undefined : findAccount(this.deps.accounts(), chosen);
    if (account === undefined) {
      return page(reply, 400, errorPage(400, 'invalid_request', 'Choose one of the listed accounts.'));
    }
    return this.afterAccount(request, reply, pending, account);
  }

  private afterAccount(request: FastifyRequest, reply: FastifyReply, pending: PendingRequest, account: GoogleAccount) {
    pending.sub = account.sub;
    this.deps.sessions.signIn(request, reply, account.sub);
    if (!this.needsConsent(pending, account)) {
      // Everything asked for is already granted and the app did not insist on consent: Google skips the screen.
      this.pending.delete(pending.id);
      return this.complete(request, reply, pending, pending.scopes, 'none');
    }
    return this.showConsent(reply, pending, account, false);
  }

  private showConsent(reply: FastifyReply, pending: PendingRequest, account: GoogleAccount, allTicked: boolean) {
    const before = this.granted(pending, account);
    const reconsent = pending.prompt.has('consent');
    const choices = pending.scopes
      .filter((s) => !isBasicScope(s) && (reconsent || !before.has(s)))
      .map((scope) => ({ scope, checked: allTicked }));
    const alreadyGranted = pending.scopes.filter((s) => !choices.some((c) => c.scope === s));
    return page(
      reply,
      200,
      consentPage({ requestId: pending.id, clientName: pending.client.name, account, choices, alreadyGranted }),
    );
  }

  private consent(request: FastifyRequest, reply: FastifyReply) {
    const pending = this.pendingFrom(request.body);
    const account = pending?.sub === undefined ? undefined : this.account(pending.sub);
    if (pending === undefined || account === undefined) return expired(reply);
    const action = param(request.body, 'action');
    if (action === 'select_all') return this.showConsent(reply, pending, account, true);
    this.pending.delete(pending.id);
    if (action !== 'allow') return redirectError(reply, pending, 'access_denied');
    const ticked = new Set(ticks(request.body));
    const before = this.granted(pending, account);
    const reconsent = pending.prompt.has('consent');
    const grantedNow = pending.scopes.filter((s) => isBasicScope(s) || ticked.has(s) || (!reconsent && before.has(s)));
    return this.complete(request, reply, pending, grantedNow, 'consent');
  }

  /** Records the consent, issues the code and redirects back to the app. */
  private complete(
    request: FastifyRequest,
    reply: FastifyReply,
    pending: PendingRequest,
    grantedNow: string[],
    prompt: 'consent' | 'none',
  ) {
    const sub = pending.sub!;
    const grant = this.deps.state.grant(sub, pending.client.clientId);
    const firstOffline = grant === undefined || !grant.refreshIssued;
    const after = this.deps.state.recordConsent(sub, pending.client.clientId, grantedNow, pending.offline);
    const scopes = pending.includeGrantedScopes ? [...new Set([...grantedNow, ...after.scopes])] : grantedNow;
    const code = this.deps.state.issueCode({
      sub,
      clientId: pending.client.clientId,
      redirectUri: pending.redirectUri,
      scopes,
      ...(pending.nonce === undefined ? {} : { nonce: pending.nonce }),
      ...(pending.codeChallenge === undefined
        ? {}
        : { codeChallenge: pending.codeChallenge, codeChallengeMethod: pending.codeChallengeMethod ?? 'plain' }),
      offline: pending.offline,
      issueRefreshToken: pending.offline && (pending.prompt.has('consent') || firstOffline),
      authTimeSeconds: Math.floor(this.deps.clock.now() / 1000),
    });
    const authuser = this.deps.sessions.signIn(request, reply, sub);
    if (pending.origin !== undefined) {
      const hd = this.hd(sub);
      return sendGsiRelay(reply, pending.origin, {
        code: code.code,
        scope: expandScopes(scopes).join(' '),
        authuser: String(authuser),
        prompt,
        ...(pending.state === undefined ? {} : { state: pending.state }),
        ...(hd === undefined ? {} : { hd }),
      });
    }
    const target = new URL(pending.redirectUri);
    if (pending.state !== undefined) target.searchParams.set('state', pending.state);
    target.searchParams.set('iss', this.deps.issuer);
    target.searchParams.set('code', code.code);
    target.searchParams.set('scope', expandScopes(scopes).join(' '));
    target.searchParams.set('authuser', String(authuser));
    if (this.hd(sub) !== undefined) target.searchParams.set('hd', this.hd(sub)!);
    target.searchParams.set('prompt', prompt);
    return reply.redirect(target.toString(), 302);
  }

  /**
   * The accounts the chooser offers: with `hd`, only the accounts of that Workspace domain (any Workspace account for
   * `*`), as Google's chooser does. It stays a hint: the app must still check the id_token's `hd` claim.
   */
  private chooserAccounts(pending: PendingRequest): readonly GoogleAccount[] {
    const all = this.deps.accounts();
    const domain = pending.hostedDomain;
    if (domain === undefined) return all;
    return all.filter((a) => a.hd !== undefined && (domain === '*' || a.hd.toLowerCase() === domain));
  }

  private needsConsent(pending: PendingRequest, account: GoogleAccount): boolean {
    if (pending.prompt.has('consent')) return true;
    const granted = this.granted(pending, account);
    return pending.scopes.some((s) => !granted.has(s));
  }

  private granted(pending: PendingRequest, account: GoogleAccount): Set<string> {
    return this.deps.state.grant(account.sub, pending.client.clientId)?.scopes ?? new Set();
  }

  private account(sub: string): GoogleAccount | undefined {
    return this.deps.accounts().find((a) => a.sub === sub);
  }

  private hd(sub: string): string | undefined {
    return this.account(sub)?.hd;
  }

  private pendingFrom(body: unknown): PendingRequest | undefined {
    const id = param(body, 'request');
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (pending === undefined) return undefined;
    if (pending.expiresAt <= this.deps.clock.now()) {
      this.pending.delete(pending.id);
      return undefined;
    }
    return pending;
  }

  /** Checks an authorization request as Google does; errors here are shown on the page, never redirected. */
  private validate(
    params: unknown,
  ): PendingRequest | { error: string; status: number; description: string; details?: Record<string, string> } {
    const get = (name: string) => param(params, name);
    const missing = (name: string) => ({
      error: 'invalid_request',
      status: 400,
      description: `Missing required parameter: ${name}`,
    });
    const clientId = get('client_id');
    if (clientId === undefined || clientId === '') return missing('client_id');
    const client = this.deps.clients.get(clientId);
    if (client === undefined) {
      return { error: 'invalid_client', status: 401, description: 'The OAuth client was not found.' };
    }
    const redirectUri = get('redirect_uri');
    if (redirectUri === undefined || redirectUri === '') return missing('redirect_uri');
    // `postmessage` is the GIS popup flow's pseudo-URI, allowed for the client's registered JavaScript origins.
    const origin =
      redirectUri === POSTMESSAGE_REDIRECT_URI
        ? allowedPostMessageOrigin(client.javascriptOrigins, get('origin'))
        : undefined;
    if (redirectUri === POSTMESSAGE_REDIRECT_URI && origin === undefined) {
      return {
        error: 'origin_mismatch',
        status: 400,
        description: `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. If you're the app developer, register the JavaScript origin in the Google Cloud Console.`,
        details: { origin: get('origin') ?? '' },
      };
    }
    if (redirectUri !== POSTMESSAGE_REDIRECT_URI && !client.redirectUris.includes(redirectUri)) {
      return {
        error: 'redirect_uri_mismatch',
        status: 400,
        description: `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. If you're the app developer, register the redirect URI in the Google Cloud Console.`,
        details: { redirect_uri: redirectUri },
      };
    }
    const responseType = get('response_type');
    if (responseType === undefined || responseType === '') return missing('response_type');
    if (responseType !== 'code') {
      return { error: 'unsupported_response_type', status: 400, description: `Invalid response_type: ${responseType}` };
    }
    const scopeParam = get('scope');
    if (scopeParam === undefined || scopeParam.trim() === '') return missing('scope');
    const scopes = withImpliedOpenid(parseScopeParam(scopeParam));
    const invalid = scopes.filter((s) => !isKnownScope(s));
    if (invalid.length > 0) {
      return {
        error: 'invalid_scope',
        status: 400,
        description: `Some requested scopes were invalid. {invalid=[${invalid.join(', ')}]}`,
      };
    }
    const prompt = new Set((get('prompt') ?? '').split(/[\s+]+/).filter((p) => p !== ''));
    for (const value of prompt) {
      if (!['none', 'consent', 'select_account'].includes(value)) {
        return {
          error: 'invalid_request',
          status: 400,
          description: `Invalid parameter value for prompt: Invalid prompt: ${value}`,
        };
      }
    }
    if (prompt.has('none') && prompt.size > 1) {
      return {
        error: 'invalid_request',
        status: 400,
        description: 'Invalid parameter value for prompt: none must stand alone',
      };
    }
    const accessType = get('access_type') ?? 'online';
    if (accessType !== 'online' && accessType !== 'offline') {
      return { error: 'invalid_request', status: 400, description: `Invalid access_type: ${accessType}` };
    }
    const challenge = get('code_challenge');
    const method = get('code_challenge_method');
    if (method !== undefined && challenge === undefined) {
      return { error: 'invalid_request', status: 400, description: 'Missing code_challenge.' };
    }
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return { error: 'invalid_request', status: 400, description: `Invalid code_challenge_method: ${method}` };
    }
    if (challenge !== undefined && !PKCE_CHALLENGE.test(challenge)) {
      return { error: 'invalid_request', status: 400, description: 'Invalid code_challenge.' };
    }
    const optional = <K extends string>(key: K, value: string | undefined) =>
      value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);
    return {
      id: randomBytes(18).toString('base64url'),
      client,
      redirectUri,
      ...(origin === undefined ? {} : { origin }),
      scopes,
      ...optional('state', get('state')),
      ...optional('nonce', get('nonce')),
      ...optional('loginHint', get('login_hint')),
      ...optional('hostedDomain', get('hd')?.toLowerCase()),
      prompt,
      offline: accessType === 'offline',
      includeGrantedScopes: get('include_granted_scopes') === 'true',
      ...(challenge === undefined
        ? {}
        : { codeChallenge: challenge, codeChallengeMethod: (method ?? 'plain') as 'S256' | 'plain' }),
      expiresAt: this.deps.clock.now() + PENDING_LIFETIME_MS,
    };
  }
}

function ticks(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return [];
  const value = (body as Record<string, unknown>).scope;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function page(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:")
    .send(html);
}

function expired(reply: FastifyReply) {
  return page(
    reply,
    400,
    errorPage(400, 'invalid_request', 'This sign-in request is no longer valid. Go back to the app and try again.'),
  );
}

/** Sends the user back to the app with an OAuth error (only for errors that happen after the client is trusted). */
function redirectError(reply: FastifyReply, pending: PendingRequest, error: string) {
  if (pending.origin !== undefined) {
    return sendGsiRelay(reply, pending.origin, {
      error,
      ...(pending.state === undefined ? {} : { state: pending.state }),
    });
  }
  const target = new URL(pending.redirectUri);
  target.searchParams.set('error', error);
  if (pending.state !== undefined) target.searchParams.set('state', pending.state);
  return reply.redirect(target.toString(), 302);
}
