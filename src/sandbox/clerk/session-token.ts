import { SignJWT } from 'jose';
import type { Clock } from '../kit/clock.js';
import { base62 } from './ids.js';
import type { SigningKey } from './keys.js';
import type { SessionRecord } from './model.js';

/** Clerk's default session-token lifetime; clerk-js refreshes about every 50 s. */
export const SESSION_TOKEN_LIFETIME_SECONDS = 60;

export interface SessionTokenInput {
  session: SessionRecord;
  /** The Frontend API URL, the `iss`. */
  issuer: string;
  /** The origin of the page that asked (the `azp`); absent for Backend API requests without one. */
  azp?: string;
  expiresInSeconds?: number;
}

/**
 * Mints a v2 session token: RS256, `kid` in the header, claims `iss sub sid azp iat nbf exp v fva sts jti`.
 * `nbf` lies 10 s before `iat`, as Clerk's do, to absorb small clock differences.
 */
export async function mintSessionToken(key: SigningKey, clock: Clock, input: SessionTokenInput): Promise<string> {
  const iat = Math.floor(clock.now() / 1000);
  const lifetime = input.expiresInSeconds ?? SESSION_TOKEN_LIFETIME_SECONDS;
  const minutesSinceFactor = Math.max(0, Math.floor((clock.now() - input.session.factorVerifiedAt) / 60_000));
  const claims: Record<string, unknown> = {
    sid: input.session.id,
    v: 2,
    fva: [minutesSinceFactor, -1],
    sts: 'active',
  };
  if (input.azp !== undefined) claims.azp = input.azp;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(input.session.userId)
    .setIssuedAt(iat)
    .setNotBefore(iat - 10)
    .setExpirationTime(iat + lifetime)
    .setJti(base62(20))
    .sign(key.privateKey);
}
