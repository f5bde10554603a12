import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The browser's Google sign-in: which accounts are signed in, in order (the index is `authuser`). */
export interface BrowserSession {
  id: string;
  accounts: string[];
}

const COOKIE = 'GEMU_SID';

/** Google sign-in sessions, kept in memory and keyed by an HttpOnly cookie. */
export class SessionStore {
  private sessions = new Map<string, BrowserSession>();

  /** The session the request's cookie names, if it is known. */
  fromRequest(request: FastifyRequest): BrowserSession | undefined {
    const id = readCookie(request.headers.cookie, COOKIE);
    return id === undefined ? undefined : this.sessions.get(id);
  }

  /** Signs `sub` into the request's session (creating it and setting the cookie if needed); returns its authuser. */
  signIn(request: FastifyRequest, reply: FastifyReply, sub: string): number {
    let session = this.fromRequest(request);
    if (session === undefined) {
      session = { id: randomBytes(24).toString('base64url'), accounts: [] };
      this.sessions.set(session.id, session);
      reply.header('set-cookie', `${COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax`);
    }
    if (!session.accounts.includes(sub)) session.accounts.push(sub);
    return session.accounts.indexOf(sub);
  }

  /** Signs `sub` out of every browser session (Google's "sign out of all sessions"); returns how many it left. */
  signOutEverywhere(sub: string): number {
    let left = 0;
    for (const session of this.sessions.values()) {
      const before = session.accounts.length;
      session.accounts = session.accounts.filter((a) => a !== sub);
      left += before - session.accounts.length;
    }
    return left;
  }

  /** The browser sessions as plain JSON values. */
  toJSON(): BrowserSession[] {
    return [...this.sessions.values()];
  }

  /** Replaces the sessions with saved ones, so a browser's Google sign-in outlives a restart. */
  restore(saved: BrowserSession[]): void {
    this.sessions.clear();
    for (const session of saved) this.sessions.set(session.id, { id: session.id, accounts: [...session.accounts] });
  }

  reset(): void {
    this.sessions.clear();
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
