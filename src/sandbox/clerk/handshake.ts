import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { activeSessionOf, clientOf, DEV_BROWSER_PARAM } from './browser-client.js';
import { clerkErrors } from './clerk-errors.js';
import { newSecret } from './ids.js';
import { allowedRedirect, type ClerkInstance } from './instance.js';
import { errorPage } from './pages.js';
import { mintSessionToken } from './session-token.js';

const NONCE_TTL_MS = 5 * 60_000;
const TEN_YEARS_SECONDS = 10 * 365 * 24 * 3600;

/**
 * The handshake `authenticateRequest` starts when a page load carries a stale `__session`: the browser visits
 * `/v1/client/handshake`, which works out the app's fresh cookies and sends the browser back with a nonce (or a
 * signed token) the app's server redeems. The SDK only sends browsers here over plain HTTP when `proxyUrl` is the
 * emulator's URL; with the publishable key alone it builds an `https://` URL.
 */
export class Handshakes {
  private nonces = new Map<string, { directives: string[]; createdAt: number }>();

  constructor(private readonly instance: ClerkInstance) {}

  /** The `Set-Cookie` directives for the app's origin, as the browser's client stands now. */
  async directives(client: ReturnType<typeof clientOf>, appOrigin: string): Promise<string[]> {
    const { instance } = this;
    const active = activeSessionOf(instance, client);
    if (client === undefined || active === undefined) {
      return [
        '__session=; Path=/; Max-Age=0; SameSite=Lax',
        `__client_uat=0; Path=/; Max-Age=${TEN_YEARS_SECONDS}; SameSite=Lax`,
      ];
    }
    const jwt = await mintSessionToken(instance.key, instance.clock, {
      session: active.session,
      issuer: instance.issuer,
      azp: appOrigin,
    });
    return [
      `__session=${jwt}; Path=/; SameSite=Lax`,
      `__client_uat=${Math.floor(client.updatedAt / 1000)}; Path=/; Max-Age=${TEN_YEARS_SECONDS}; SameSite=Lax`,
      `${DEV_BROWSER_PARAM}=${client.token}; Path=/; Max-Age=${TEN_YEARS_SECONDS}; SameSite=Lax`,
    ];
  }

  /** Keeps directives for one redemption by nonce. */
  remember(directives: string[]): string {
    this.sweep();
    const nonce = newSecret();
    this.nonces.set(nonce, { directives, createdAt: this.instance.clock.now() });
    return nonce;
  }

  /** Redeems a nonce once. */
  take(nonce: string): string[] | undefined {
    this.sweep();
    const found = this.nonces.get(nonce);
    this.nonces.delete(nonce);
    return found?.directives;
  }

  reset(): void {
    this.nonces.clear();
  }

  private sweep(): void {
    const now = this.instance.clock.now();
    for (const [nonce, entry] of this.nonces) if (now - entry.createdAt > NONCE_TTL_MS) this.nonces.delete(nonce);
  }
}

/** Registers `GET /v1/client/handshake` (Frontend API) and `GET /v1/clients/handshake_payload` (Backend API). */
export function registerHandshake(app: FastifyInstance, instance: ClerkInstance, handshakes: Handshakes): void {
  app.get('/v1/client/handshake', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    let target: URL;
    try {
      target = allowedRedirect(instance, query.redirect_url);
    } catch {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorPage('redirect_url_invalid', 'redirect_url must be an absolute URL on an allowed origin.'));
    }
    const directives = await handshakes.directives(clientOf(instance, request), target.origin);
    const back = new URL(target);
    if (query.format === 'nonce') {
      back.searchParams.set('__clerk_handshake_nonce', handshakes.remember(directives));
    } else {
      const token = await new SignJWT({ handshake: directives })
        .setProtectedHeader({ alg: 'RS256', kid: instance.key.kid, typ: 'JWT' })
        .setIssuedAt(Math.floor(instance.clock.now() / 1000))
        .sign(instance.key.privateKey);
      back.searchParams.set('__clerk_handshake', token);
    }
    return reply.header('cache-control', 'no-store').redirect(back.toString(), 307);
  });

  app.get('/v1/clients/handshake_payload', async (request) => {
    const nonce = (request.query as Record<string, unknown>).nonce;
    if (typeof nonce !== 'string' || nonce === '') throw clerkErrors.formParamMissing('nonce');
    const directives = handshakes.take(nonce);
    if (directives === undefined) throw clerkErrors.notFound('Handshake payload');
    return { directives };
  });
}
