import { newId } from './ids.js';

/** A first factor being verified: an email code sent, a password, or a trip to Google. */
export interface Verification {
  strategy: 'email_code' | 'password' | 'oauth_google';
  status: 'unverified' | 'verified' | 'failed' | 'expired';
  attempts: number;
  expireAt: number | null;
  /** `oauth_google`: Google's authorization URL. */
  redirectUrl?: string;
}

/** `client.sign_in`: one browser signing in, from the identifier to a session. */
export interface SignInAttempt {
  id: string;
  clientId: string;
  identifier: string;
  userId: string | null;
  firstFactor: Verification | null;
  createdSessionId: string | null;
  abandonAt: number;
}

/** `client.sign_up`: one browser signing up, from the email address to a user with a session. */
export interface SignUpAttempt {
  id: string;
  clientId: string;
  emailAddress: string | null;
  password: string | null;
  firstName: string | null;
  lastName: string | null;
  emailVerification: Verification | null;
  /** `oauth_google`: the trip to Google a sign-up started. */
  externalAccount: Verification | null;
  createdUserId: string | null;
  createdSessionId: string | null;
  abandonAt: number;
}

const ABANDON_MS = 24 * 3600_000;
const KEPT = 1000;

/** The sign-ins and sign-ups in progress, each client's latest of each. In memory: a restart starts them again. */
export class Attempts {
  readonly signIns = new Map<string, SignInAttempt>();
  readonly signUps = new Map<string, SignUpAttempt>();
  readonly #latestSignIn = new Map<string, string>();
  readonly #latestSignUp = new Map<string, string>();

  newSignIn(clientId: string, now: number): SignInAttempt {
    const attempt: SignInAttempt = {
      id: newId('sia'),
      clientId,
      identifier: '',
      userId: null,
      firstFactor: null,
      createdSessionId: null,
      abandonAt: now + ABANDON_MS,
    };
    remember(this.signIns, attempt.id, attempt);
    this.#latestSignIn.set(clientId, attempt.id);
    return attempt;
  }

  newSignUp(clientId: string, now: number): SignUpAttempt {
    const attempt: SignUpAttempt = {
      id: newId('sua'),
      clientId,
      emailAddress: null,
      password: null,
      firstName: null,
      lastName: null,
      emailVerification: null,
      externalAccount: null,
      createdUserId: null,
      createdSessionId: null,
      abandonAt: now + ABANDON_MS,
    };
    remember(this.signUps, attempt.id, attempt);
    this.#latestSignUp.set(clientId, attempt.id);
    return attempt;
  }

  /** The client's sign-in in progress (a finished one is shown until the next starts, as Clerk does). */
  signInOf(clientId: string): SignInAttempt | undefined {
    const id = this.#latestSignIn.get(clientId);
    return id === undefined ? undefined : this.signIns.get(id);
  }

  signUpOf(clientId: string): SignUpAttempt | undefined {
    const id = this.#latestSignUp.get(clientId);
    return id === undefined ? undefined : this.signUps.get(id);
  }

  /** Forgets the client's attempts (sign-out, `DELETE /v1/client`). */
  clear(clientId: string): void {
    this.#latestSignIn.delete(clientId);
    this.#latestSignUp.delete(clientId);
  }

  reset(): void {
    this.signIns.clear();
    this.signUps.clear();
    this.#latestSignIn.clear();
    this.#latestSignUp.clear();
  }
}

function remember<T>(map: Map<string, T>, id: string, value: T): void {
  map.set(id, value);
  if (map.size > KEPT) map.delete(map.keys().next().value as string);
}
