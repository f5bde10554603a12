import { createPublicKey } from 'node:crypto';
import { createClerkClient } from '@clerk/backend';
import type { ServiceConfig } from '../../config/env.js';
import { CHECK_TIMEOUT_MS, type CheckResult, fail, pass, warn } from './check.js';

interface Jwk {
  kid?: string;
  n?: string;
}

/**
 * The Clerk secret key works (it fetches the instance's JWKS through `@clerk/backend`), CLERK_JWT_KEY is one of those
 * keys, and the publishable key names a Frontend API of the same instance (`GET /v1/domains`).
 */
export async function checkClerk(clerk: ServiceConfig['clerk']): Promise<CheckResult[]> {
  const apiUrl = clerk.apiUrl ?? 'https://api.clerk.com';
  const client = createClerkClient({
    secretKey: clerk.secretKey,
    ...(clerk.apiUrl ? { apiUrl: clerk.apiUrl } : {}),
    telemetry: { disabled: true },
  });
  let keys: Jwk[];
  try {
    const jwks = await withTimeout(client.jwks.getJwks());
    keys = (jwks.keys ?? []) as Jwk[];
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) {
      return [
        fail(
          'Clerk secret key',
          `Clerk (${apiUrl}) refused CLERK_SECRET_KEY (HTTP ${status}).`,
          'Copy the secret key from Clerk Dashboard → Configure → API keys, for the same instance as the publishable key.',
        ),
      ];
    }
    return [
      fail(
        'Clerk secret key',
        `Could not reach Clerk's Backend API at ${apiUrl}: ${describeError(error)}.`,
        'Check network access to Clerk (and CLERK_API_URL, if set).',
      ),
    ];
  }
  if (keys.length === 0) {
    return [
      fail('Clerk secret key', 'Clerk answered with an empty JWKS.', 'Check the instance in the Clerk Dashboard.'),
    ];
  }
  const results: CheckResult[] = [
    pass('Clerk secret key', `Accepted by ${apiUrl}; the instance signs with ${keys.map((k) => k.kid).join(', ')}.`),
  ];
  results.push(clerk.jwtKey === undefined ? missingJwtKey(keys) : checkJwtKey(clerk.jwtKey, keys));
  results.push(await checkPublishableKey(client, clerk));
  return results;
}

/**
 * Without CLERK_JWT_KEY every instance fetches the JWKS from the Backend API (cached, and again at most once per
 * cool-down when a token names an unknown kid): it works, but spends Clerk's quota and needs Clerk to be reachable.
 */
function missingJwtKey(keys: Jwk[]): CheckResult {
  return warn(
    'Clerk JWT key',
    `CLERK_JWT_KEY is not set: sessions are verified with keys fetched from Clerk's Backend API (the instance signs with ${keys.map((k) => k.kid).join(', ')}), which spends its rate limit and fails while Clerk is unreachable.`,
    'In production, set CLERK_JWT_KEY to the PEM from Clerk Dashboard → API keys → JWT public key: sessions then verify with no network call.',
  );
}

function checkJwtKey(pem: string, keys: Jwk[]): CheckResult {
  let n: string | undefined;
  try {
    n = (createPublicKey(pem).export({ format: 'jwk' }) as Jwk).n;
  } catch {
    return fail(
      'Clerk JWT key',
      'CLERK_JWT_KEY is not a readable public key.',
      'Copy the PEM from Clerk Dashboard → API keys.',
    );
  }
  return keys.some((k) => k.n === n)
    ? pass('Clerk JWT key', 'CLERK_JWT_KEY is the instance’s signing key (sessions verify without a network call).')
    : fail(
        'Clerk JWT key',
        'CLERK_JWT_KEY is not a signing key of the secret key’s instance: every session token would be refused.',
        'Copy the JWT public key from Clerk Dashboard → API keys of the same instance, or unset CLERK_JWT_KEY.',
      );
}

async function checkPublishableKey(
  client: ReturnType<typeof createClerkClient>,
  clerk: ServiceConfig['clerk'],
): Promise<CheckResult> {
  const title = 'Clerk publishable key';
  if (clerk.publishableKey === undefined) {
    return warn(
      title,
      'CLERK_PUBLISHABLE_KEY is not set: the console cannot load Clerk and session issuers are not pinned.',
      'Set CLERK_PUBLISHABLE_KEY from Clerk Dashboard → API keys.',
    );
  }
  const match = /^pk_(test|live)_(.+)$/.exec(clerk.publishableKey);
  const decoded = match ? Buffer.from(match[2]!, 'base64').toString('utf8') : '';
  const host = decoded.endsWith('$') ? decoded.slice(0, -1) : '';
  if (!match || host === '') {
    return fail(
      title,
      'CLERK_PUBLISHABLE_KEY does not encode a Frontend API host.',
      'Copy it again from the Dashboard.',
    );
  }
  const secretKind = /^sk_(test|live)_/.exec(clerk.secretKey)?.[1];
  if (secretKind !== undefined && secretKind !== match[1]) {
    return fail(
      title,
      `The publishable key is pk_${match[1]} but the secret key is sk_${secretKind}: they come from different instances.`,
      'Use both keys of one instance (Development: pk_test/sk_test; Production: pk_live/sk_live).',
    );
  }
  let frontendApis: string[];
  try {
    const domains = await withTimeout(client.domains.list());
    frontendApis = domains.data.flatMap((d) => [d.frontendApiUrl, d.proxyUrl ?? ''].filter((u) => u !== ''));
  } catch (error) {
    return warn(
      title,
      `Could not list the instance's domains to compare (${describeError(error)}).`,
      'Check that CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY come from the same instance in the Dashboard.',
    );
  }
  const hosts = frontendApis.map((u) => hostOf(u));
  if (hosts.includes(host)) return pass(title, `Names ${host}, a Frontend API of the secret key’s instance.`);
  return fail(
    title,
    `The publishable key names ${host}, but the secret key’s instance serves ${hosts.join(', ') || 'no domain'}.`,
    'Use the publishable and secret key of the same Clerk instance (Dashboard → API keys).',
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error for display: Clerk's code or the network cause, never a request with its Authorization header. */
export function describeError(error: unknown): string {
  const shape = error as {
    status?: number;
    errors?: Array<{ code?: string; message?: string }>;
    cause?: { code?: string; message?: string };
  };
  const first = shape?.errors?.[0];
  if (first?.code && shape.status !== undefined) return `HTTP ${shape.status} ${first.code}`;
  if (first?.message) return first.message.slice(0, 200);
  const cause = shape?.cause?.code ?? shape?.cause?.message;
  if (cause) return `${error instanceof Error ? error.message : 'failed'} (${cause})`;
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}
