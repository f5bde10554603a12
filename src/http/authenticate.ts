import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';
import type { SessionIdentity, SessionVerifier } from './session-verifier.js';

/**
 * The signed-in Clerk user behind a request: the `Authorization: Bearer` token wins (API calls from the page),
 * else the `__session` cookie (browser navigations such as the connect redirect). Throws UnauthenticatedError.
 */
export async function authenticate(
  request: FastifyRequest,
  verifier: SessionVerifier,
  options: { graceSeconds?: number } = {},
): Promise<SessionIdentity> {
  const token = sessionToken(request);
  if (token === undefined) throw new UnauthenticatedError();
  return verifier.verify(token, options);
}

function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header !== '') {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <Clerk session token>".');
    return match[1];
  }
  const cookie = request.cookies?.['__session'];
  return typeof cookie === 'string' && cookie !== '' ? cookie : undefined;
}
