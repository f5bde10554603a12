import type { Clock } from '../kit/clock.js';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import { type GoogleClient, GoogleTokenError, type GoogleTokenResponse, type GoogleUserInfo } from './google-client.js';
import { newId } from './ids.js';
import type { ExternalAccountRecord, UserRecord } from './model.js';

/** Google tokens as they were granted, turned into what the emulator stores. */
function scopesOf(response: GoogleTokenResponse, asked: string[]): string[] {
  const granted = response.scope?.split(/\s+/).filter((s) => s !== '');
  return [...new Set(granted ?? asked)].sort();
}

/**
 * Links (or refreshes the link of) a Google account to `user` after a consent: stores the new tokens, keeps the
 * previous refresh token when Google sends none (it only sends one on the first offline consent), and records the
 * approved scopes. Returns the external account.
 */
export function linkGoogleAccount(
  clock: Clock,
  user: UserRecord,
  info: GoogleUserInfo,
  response: GoogleTokenResponse,
  askedScopes: string[],
): ExternalAccountRecord {
  const now = clock.now();
  const scopes = scopesOf(response, askedScopes);
  const tokens = {
    accessToken: response.access_token,
    scopes,
    ...(response.expires_in === undefined ? {} : { expiresAt: now + response.expires_in * 1000 }),
    ...(response.id_token === undefined ? {} : { idToken: response.id_token }),
  };
  const existing = user.externalAccounts.find((a) => a.providerUserId === info.sub);
  if (existing !== undefined) {
    const refreshToken = response.refresh_token ?? existing.tokens.refreshToken;
    existing.tokens = { ...tokens, ...(refreshToken === undefined ? {} : { refreshToken }) };
    existing.approvedScopes = scopes;
    existing.emailAddress = info.email;
    existing.updatedAt = now;
    user.updatedAt = now;
    return existing;
  }
  const account: ExternalAccountRecord = {
    id: newId('eac'),
    identificationId: newId('idn'),
    provider: 'oauth_google',
    providerUserId: info.sub,
    emailAddress: info.email,
    firstName: info.given_name ?? '',
    lastName: info.family_name ?? '',
    imageUrl: info.picture ?? '',
    approvedScopes: scopes,
    tokens: { ...tokens, ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }) },
    createdAt: now,
    updatedAt: now,
  };
  user.externalAccounts.push(account);
  const email = user.emailAddresses.find((e) => e.emailAddress.toLowerCase() === info.email.toLowerCase());
  if (email !== undefined) {
    email.linkedTo.push({ type: 'oauth_google', id: account.identificationId });
  } else {
    user.emailAddresses.push({
      id: newId('idn'),
      emailAddress: info.email.toLowerCase(),
      verificationStrategy: 'from_oauth_google',
      linkedTo: [{ type: 'oauth_google', id: account.identificationId }],
      createdAt: now,
      updatedAt: now,
    });
    user.primaryEmailAddressId ??= user.emailAddresses[0]?.id ?? null;
  }
  if (user.firstName === null && info.given_name !== undefined) user.firstName = info.given_name;
  if (user.lastName === null && info.family_name !== undefined) user.lastName = info.family_name;
  if (user.imageUrl === '' && info.picture !== undefined) user.imageUrl = info.picture;
  user.updatedAt = now;
  return account;
}

/**
 * Removes an external account from `user` (Backend API's delete, the Frontend API's `externalAccount.destroy()`):
 * its tokens go with it and its email loses the link. Clerk forgets the tokens; it does not revoke them at Google.
 */
export function unlinkExternalAccount(clock: Clock, user: UserRecord, account: ExternalAccountRecord): void {
  user.externalAccounts = user.externalAccounts.filter((a) => a !== account);
  for (const email of user.emailAddresses) {
    email.linkedTo = email.linkedTo.filter((link) => link.id !== account.identificationId);
  }
  user.updatedAt = clock.now();
}

/**
 * Hands out the stored Google access tokens, refreshing an expired one through Google first, as Clerk does on
 * `GET /v1/users/{id}/oauth_access_tokens/oauth_google` (only when asked, never ahead of time). Concurrent calls for
 * one account share a single refresh, so Google sees one refresh_token grant.
 */
export class GoogleTokenKeeper {
  private inFlight = new Map<string, Promise<void>>();
  /** Refresh-token grants sent to Google (successful or not), for tests and the control API. */
  refreshes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly google: GoogleClient,
  ) {}

  /** Makes every stored access token (of one user, or all) expired now, as an hour passing would. */
  expireAll(users: Iterable<UserRecord>): number {
    let count = 0;
    for (const user of users) {
      for (const account of user.externalAccounts) {
        account.tokens.expiresAt = this.clock.now() - 1000;
        count += 1;
      }
    }
    return count;
  }

  /** Ensures the account's access token is live; throws the Clerk error Clerk would answer otherwise. */
  async ensureFresh(account: ExternalAccountRecord): Promise<void> {
    const expiresAt = account.tokens.expiresAt;
    if (expiresAt === undefined || expiresAt > this.clock.now()) return;
    let pending = this.inFlight.get(account.id);
    if (pending === undefined) {
      pending = this.refresh(account).finally(() => this.inFlight.delete(account.id));
      this.inFlight.set(account.id, pending);
    }
    await pending;
  }

  private async refresh(account: ExternalAccountRecord): Promise<void> {
    const refreshToken = account.tokens.refreshToken;
    if (refreshToken === undefined) throw clerkErrors.missingRefreshToken();
    let response: GoogleTokenResponse;
    this.refreshes += 1;
    try {
      response = await this.google.refresh(refreshToken);
    } catch (error) {
      if (error instanceof GoogleTokenError || error instanceof ClerkApiError) throw clerkErrors.tokenRetrieval();
      throw error;
    }
    const now = this.clock.now();
    account.tokens = {
      accessToken: response.access_token,
      // A refresh answer without refresh_token must not wipe the one we hold.
      refreshToken: response.refresh_token ?? refreshToken,
      scopes: response.scope === undefined ? account.tokens.scopes : scopesOf(response, account.tokens.scopes),
      ...(response.expires_in === undefined ? {} : { expiresAt: now + response.expires_in * 1000 }),
      ...(response.id_token === undefined
        ? account.tokens.idToken === undefined
          ? {}
          : { idToken: account.tokens.idToken }
        : { idToken: response.id_token }),
    };
    account.updatedAt = now;
  }
}
