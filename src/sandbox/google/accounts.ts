/**
 * The identity of a Google account as the OAuth half of the emulator needs it. The seeded accounts
 * (`seed.ts`, with their API data) satisfy this shape.
 */
export interface GoogleAccount {
  /** Stable numeric string, as Google's `sub`. */
  sub: string;
  email: string;
  name: string;
  givenName: string;
  familyName: string;
  picture: string;
  /** The Workspace domain, for Workspace accounts only. */
  hd?: string;
}

/** Finds an account by email (case-insensitive) or by sub, as `login_hint` allows either. */
export function findAccount<A extends GoogleAccount>(accounts: readonly A[], hint: string): A | undefined {
  const lower = hint.trim().toLowerCase();
  return accounts.find((a) => a.sub === hint || a.email.toLowerCase() === lower);
}
