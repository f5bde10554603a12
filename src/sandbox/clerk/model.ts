import type { Clock } from '../kit/clock.js';
import { newId, newSecret } from './ids.js';

/** Google's tokens for one external account, held server-side as Clerk holds them. */
export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Milliseconds since the epoch; undefined when the provider gave no lifetime. */
  expiresAt?: number;
  scopes: string[];
}

export interface EmailAddressRecord {
  id: string;
  emailAddress: string;
  /** `admin` when created through the Backend API, `from_oauth_google` when it came with a Google account. */
  verificationStrategy: string;
  linkedTo: Array<{ type: string; id: string }>;
  createdAt: number;
  updatedAt: number;
}

export interface ExternalAccountRecord {
  id: string;
  identificationId: string;
  provider: 'oauth_google';
  providerUserId: string;
  emailAddress: string;
  firstName: string;
  lastName: string;
  imageUrl: string;
  approvedScopes: string[];
  tokens: ProviderTokens;
  createdAt: number;
  updatedAt: number;
}

export interface UserRecord {
  id: string;
  firstName: string | null;
  lastName: string | null;
  username: string | null;
  externalId: string | null;
  imageUrl: string;
  password: string | null;
  emailAddresses: EmailAddressRecord[];
  primaryEmailAddressId: string | null;
  externalAccounts: ExternalAccountRecord[];
  publicMetadata: Record<string, unknown>;
  privateMetadata: Record<string, unknown>;
  unsafeMetadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
  lastActiveAt: number | null;
}

export type SessionStatus = 'active' | 'revoked' | 'ended' | 'removed' | 'expired' | 'abandoned';

export interface SessionRecord {
  id: string;
  clientId: string;
  userId: string;
  status: SessionStatus;
  /** When the first factor was verified, for the `fva` claim. */
  factorVerifiedAt: number;
  createdAt: number;
  updatedAt: number;
  lastActiveAt: number;
  expireAt: number;
  abandonAt: number;
}

/** A browser (or a Backend-API-made session's owner), identified by a secret token in `__client`. */
export interface ClientRecord {
  id: string;
  token: string;
  sessionIds: string[];
  lastActiveSessionId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The store's contents as saved. */
export interface StoreContents {
  users: UserRecord[];
  sessions: SessionRecord[];
  clients: ClientRecord[];
}

const SESSION_LIFETIME_MS = 7 * 24 * 3600_000;
const SESSION_ABANDON_MS = 10 * 24 * 3600_000;

/** The instance's users, sessions and clients, in memory. */
export class ClerkStore {
  readonly users = new Map<string, UserRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly clients = new Map<string, ClientRecord>();
  private readonly clientsByToken = new Map<string, ClientRecord>();

  constructor(private readonly clock: Clock) {}

  /** Everything the store holds, as plain JSON values (what a state file keeps). */
  toJSON(): StoreContents {
    return {
      users: [...this.users.values()],
      sessions: [...this.sessions.values()],
      clients: [...this.clients.values()],
    };
  }

  /** Replaces the store's contents with saved ones. */
  restore(contents: StoreContents): void {
    this.reset();
    for (const user of contents.users) this.users.set(user.id, user);
    for (const session of contents.sessions) this.sessions.set(session.id, session);
    for (const client of contents.clients) {
      this.clients.set(client.id, client);
      this.clientsByToken.set(client.token, client);
    }
  }

  reset(): void {
    this.users.clear();
    this.sessions.clear();
    this.clients.clear();
    this.clientsByToken.clear();
  }

  /** Users, newest first, as Clerk lists them by default. */
  listUsers(): UserRecord[] {
    return [...this.users.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  findUserByEmail(email: string): UserRecord | undefined {
    const wanted = email.trim().toLowerCase();
    for (const user of this.users.values()) {
      if (user.emailAddresses.some((e) => e.emailAddress.toLowerCase() === wanted)) return user;
    }
    return undefined;
  }

  findUserByGoogleSub(sub: string): UserRecord | undefined {
    for (const user of this.users.values()) {
      if (user.externalAccounts.some((a) => a.providerUserId === sub)) return user;
    }
    return undefined;
  }

  /** Creates a user with the given (already validated) attributes. */
  createUser(input: {
    emails: string[];
    firstName?: string | null;
    lastName?: string | null;
    username?: string | null;
    externalId?: string | null;
    password?: string | null;
    publicMetadata?: Record<string, unknown>;
    privateMetadata?: Record<string, unknown>;
    unsafeMetadata?: Record<string, unknown>;
    verificationStrategy?: string;
  }): UserRecord {
    const now = this.clock.now();
    const emailAddresses = input.emails.map((emailAddress) => ({
      id: newId('idn'),
      emailAddress: emailAddress.trim().toLowerCase(),
      verificationStrategy: input.verificationStrategy ?? 'admin',
      linkedTo: [],
      createdAt: now,
      updatedAt: now,
    }));
    const user: UserRecord = {
      id: newId('user'),
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      username: input.username ?? null,
      externalId: input.externalId ?? null,
      imageUrl: '',
      password: input.password ?? null,
      emailAddresses,
      primaryEmailAddressId: emailAddresses[0]?.id ?? null,
      externalAccounts: [],
      publicMetadata: input.publicMetadata ?? {},
      privateMetadata: input.privateMetadata ?? {},
      unsafeMetadata: input.unsafeMetadata ?? {},
      createdAt: now,
      updatedAt: now,
      lastSignInAt: null,
      lastActiveAt: null,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Removes a user and ends every session of theirs; returns the sessions that were active. */
  deleteUser(userId: string): SessionRecord[] {
    this.users.delete(userId);
    const ended: SessionRecord[] = [];
    for (const session of this.sessions.values()) {
      if (session.userId !== userId) continue;
      if (session.status === 'active') ended.push(session);
      this.sessions.delete(session.id);
      const client = this.clients.get(session.clientId);
      if (client !== undefined) {
        client.sessionIds = client.sessionIds.filter((id) => id !== session.id);
        if (client.lastActiveSessionId === session.id) client.lastActiveSessionId = null;
      }
    }
    return ended;
  }

  createClient(): ClientRecord {
    const now = this.clock.now();
    const client: ClientRecord = {
      id: newId('client'),
      token: newSecret(),
      sessionIds: [],
      lastActiveSessionId: null,
      createdAt: now,
      updatedAt: now,
    };
    this.clients.set(client.id, client);
    this.clientsByToken.set(client.token, client);
    return client;
  }

  clientByToken(token: string | undefined): ClientRecord | undefined {
    return token === undefined || token === '' ? undefined : this.clientsByToken.get(token);
  }

  /** Starts an active session for `user` on `client` (a new client when none is given). */
  createSession(user: UserRecord, client: ClientRecord = this.createClient()): SessionRecord {
    const now = this.clock.now();
    const session: SessionRecord = {
      id: newId('sess'),
      clientId: client.id,
      userId: user.id,
      status: 'active',
      factorVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
      lastActiveAt: now,
      expireAt: now + SESSION_LIFETIME_MS,
      abandonAt: now + SESSION_ABANDON_MS,
    };
    this.sessions.set(session.id, session);
    client.sessionIds.push(session.id);
    client.lastActiveSessionId = session.id;
    client.updatedAt = now;
    user.lastSignInAt = now;
    user.lastActiveAt = now;
    return session;
  }

  /** A session's status as of now: an active session past its expiry reads as expired. */
  statusOf(session: SessionRecord): SessionStatus {
    if (session.status === 'active' && this.clock.now() >= session.expireAt) session.status = 'expired';
    return session.status;
  }

  /** Marks a session as no longer active (revoked, ended or removed). */
  endSession(session: SessionRecord, status: Exclude<SessionStatus, 'active'>): void {
    session.status = status;
    session.updatedAt = this.clock.now();
    const client = this.clients.get(session.clientId);
    if (client !== undefined && client.lastActiveSessionId === session.id) {
      client.lastActiveSessionId = null;
      client.updatedAt = session.updatedAt;
    }
  }
}
