/**
 * Seeding users for the scenarios through the real flows: a Clerk user and session at the emulator (control API:
 * the hosted sign-in page is not what is measured), then the bridge's own `/connect/google` → Google consent →
 * callback over HTTP, so every connection row is written, encrypted, by the bridge itself.
 */
import { signInWithGoogle } from '../../src/sandbox/clerk/index.js';
import {
  accountEmail,
  type ClusterUser,
  type ClusterWorld,
  clerkUser,
  connectGoogle,
  DRIVE_READONLY,
  inBatches,
  PUBLIC_URL,
} from '../../test/scale/cluster.js';

/** Users `first … first+count-1`, connected through `bridgeUrls` in turn, `parallel` at a time. */
export function seedConnectedUsers(
  world: ClusterWorld,
  bridgeUrls: readonly string[],
  count: number,
  options: SeedOptions = {},
): Promise<ClusterUser[]> {
  return seedUsers(count, { parallel: 12, ...options }, 'connected users', async (index) => {
    const user = await clerkUser(world, index);
    await connectGoogle(bridgeUrls[index % bridgeUrls.length]!, user, []);
    return user;
  });
}

/**
 * Users `first … first+count-1` who signed in with Google through Clerk (with Drive read-only), so the bridge holds
 * no connection of its own for them: their tokens come from Clerk's Backend API.
 */
export function seedClerkHeldUsers(
  world: ClusterWorld,
  count: number,
  options: SeedOptions = {},
): Promise<ClusterUser[]> {
  return seedUsers(count, { parallel: 8, ...options }, 'users signed in with Google through Clerk', async (index) => {
    const email = accountEmail(index);
    const signIn = await signInWithGoogle(world.clerk, {
      account: email,
      additionalScopes: [DRIVE_READONLY],
      redirectUrl: `${PUBLIC_URL}/`,
    });
    // Long-lived, so it outlives the run (a browser would fetch a new one every minute).
    const sessionToken = await world.clerk.control.sessionToken(signIn.sessionId, {
      azp: PUBLIC_URL,
      expiresInSeconds: 6 * 3600,
    });
    return { index, userId: signIn.userId, email, sessionToken };
  });
}

export interface SeedOptions {
  first?: number;
  parallel?: number;
}

async function seedUsers(
  count: number,
  options: SeedOptions,
  what: string,
  make: (index: number) => Promise<ClusterUser>,
): Promise<ClusterUser[]> {
  const first = options.first ?? 0;
  const started = performance.now();
  const users = await inBatches(
    Array.from({ length: count }, (_, i) => first + i),
    options.parallel ?? 8,
    make,
  );
  log(`seeded ${count} ${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return users;
}

/** Asks every instance once for every user, so each instance's caches hold what a running service would. */
export async function warm(bridgeUrls: readonly string[], users: readonly ClusterUser[]): Promise<void> {
  const pairs = bridgeUrls.flatMap((url) => users.map((user) => ({ url, user })));
  await inBatches(pairs, 16, async ({ url, user }) => {
    const response = await fetch(`${url}/api/google-token`, { headers: authorization(user) });
    await response.body?.cancel();
    if (response.status !== 200) throw new Error(`warming ${user.email} at ${url}: HTTP ${response.status}`);
  });
}

/** The header a browser page sends with the user's Clerk session token. */
export function authorization(user: ClusterUser): Record<string, string> {
  return { authorization: `Bearer ${user.sessionToken}` };
}

/** Progress on stderr, so stdout carries only the tables. */
export function log(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}
