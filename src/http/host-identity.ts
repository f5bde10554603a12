import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';

/** The signed-in user as the host app knows it (from `@clerk/fastify`, `@clerk/express`, `@clerk/nextjs`, …). */
export interface HostIdentity {
  userId: string;
  sessionId?: string | null | undefined;
}

/**
 * How a host app that already verifies Clerk sessions names the user behind a request: the identity, or null/undefined
 * when nobody is signed in (the route then answers 401 `unauthenticated`). Replaces the bridge's own verification.
 *
 * @example
 * const identify: Identify = (request) => {
 *   const { userId, sessionId } = getAuth(request); // @clerk/fastify
 *   return userId ? { userId, sessionId } : null;
 * };
 */
export type Identify = (
  request: FastifyRequest,
) => HostIdentity | null | undefined | Promise<HostIdentity | null | undefined>;

const NO_SESSION = 'A valid Clerk session token is required.';

/** The caller hook for session routes when the host identifies users: what `identify` says, once per request. */
export function hostIdentityHook(
  identify: Identify,
): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  const settle = (
    request: FastifyRequest,
    identity: HostIdentity | null | undefined,
    done: HookHandlerDoneFunction,
  ) => {
    request.caller = identity?.userId
      ? { kind: 'user', userId: identity.userId, sessionId: identity.sessionId ?? null }
      : { kind: 'anonymous', refusal: new UnauthenticatedError(NO_SESSION) };
    done();
  };
  return (request, _reply, done) => {
    let found: ReturnType<Identify>;
    try {
      found = identify(request);
    } catch (error) {
      request.caller = { kind: 'anonymous', refusal: error };
      return done();
    }
    if (found instanceof Promise) {
      found.then(
        (identity) => settle(request, identity, done),
        (error: unknown) => {
          request.caller = { kind: 'anonymous', refusal: error };
          done();
        },
      );
      return;
    }
    settle(request, found, done);
  };
}
