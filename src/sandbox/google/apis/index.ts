import type { FastifyError, FastifyInstance } from 'fastify';
import type { Clock } from '../../kit/clock.js';
import type { SeedAccount } from '../seed.js';
import type { AccessTokenInfo } from './auth.js';
import { registerCalendar } from './calendar/index.js';
import { registerRateLimitControl } from './control.js';
import { registerCors } from './cors.js';
import { registerDrive } from './drive/index.js';
import { DriveWrites } from './drive/writes.js';
import { badRequest, GoogleApiError, sendGoogleError } from './errors.js';
import { registerGmail } from './gmail/index.js';
import { GmailOutbox } from './gmail/send.js';
import { PageTokens } from './page-token.js';
import { registerPeople } from './people/index.js';
import { RateLimiter, type RateLimitInput, toRateLimit } from './rate-limit.js';
import type { ApiContext } from './route.js';

export type { AccessTokenInfo } from './auth.js';
export type { RateLimit, RateLimitInput } from './rate-limit.js';

/** The largest request body the APIs accept (an upload); Drive's real limit is far higher. */
const UPLOAD_LIMIT_BYTES = 32 * 1024 * 1024;

/** What the emulator (and tests) can steer in the APIs. */
export interface GoogleApisControl {
  /** Sets the per-user quota for everyone, or for one account (`sub`); `null` lifts it. */
  setRateLimit(limit: RateLimitInput | null, sub?: string): void;
  /** Lifts every quota and forgets counts and issued page tokens. */
  reset(): void;
}

/** What the APIs need from the emulator around them. */
export interface GoogleApisDeps {
  /** `null` when the token is unknown, expired or revoked. */
  lookupAccessToken(token: string): AccessTokenInfo | null;
  clock: Clock;
  accounts: SeedAccount[];
}

/**
 * Serves Drive v3, People v1, Gmail v1 and Calendar v3 (the read methods apps use) at Google's paths, plus the
 * `/__emulator/ratelimit` control routes. Every reply, errors included, is in Google's wire shape.
 *
 * @example
 * const apis = registerGoogleApis(app, { lookupAccessToken, clock, accounts: defaultAccounts() });
 * apis.setRateLimit({ requestsPerMinute: 2 });
 */
export function registerGoogleApis(app: FastifyInstance, deps: GoogleApisDeps): GoogleApisControl {
  const rateLimiter = new RateLimiter(deps.clock);
  const driveWrites = new DriveWrites(deps.clock);
  const gmailOutbox = new GmailOutbox(deps.clock);
  let pageTokens = new PageTokens();
  const ctx: ApiContext = {
    lookupAccessToken: (token) => deps.lookupAccessToken(token),
    clock: deps.clock,
    // Read through a getter so accounts added to the emulator's list later are seen.
    get accounts() {
      return deps.accounts;
    },
    get pageTokens() {
      return pageTokens;
    },
    rateLimiter,
  };

  app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof GoogleApiError) return sendGoogleError(reply, error);
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) return sendGoogleError(reply, badRequest('Bad Request'));
      request.log.error({ err: error }, 'google api emulator failure');
      return sendGoogleError(
        reply,
        new GoogleApiError(500, 'INTERNAL', 'Internal error encountered.', [
          { message: 'Internal error encountered.', domain: 'global', reason: 'backendError' },
        ]),
      );
    });
    // The methods that write read their body as bytes (JSON metadata, multipart/related uploads, raw media).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT_BYTES }, (_request, body, done) =>
      done(null, body),
    );
    registerCors(scope);
    registerDrive(scope, ctx, driveWrites);
    registerPeople(scope, ctx);
    registerGmail(scope, ctx, gmailOutbox);
    registerCalendar(scope, ctx);
    registerRateLimitControl(scope, rateLimiter, deps.accounts);
  });

  return {
    setRateLimit(limit, sub) {
      rateLimiter.set(limit === null ? null : toRateLimit(limit), sub);
    },
    reset() {
      rateLimiter.reset();
      pageTokens = new PageTokens();
      driveWrites.reset();
      gmailOutbox.reset();
    },
  };
}
