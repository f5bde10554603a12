import type { EmailAddressRecord, ExternalAccountRecord, SessionRecord, SessionStatus, UserRecord } from './model.js';

/** The wire shapes of Clerk's objects (snake_case, timestamps in ms), as the Backend and Frontend APIs answer them. */

/** An `email_address` object. */
export function emailAddressJson(email: EmailAddressRecord) {
  return {
    id: email.id,
    object: 'email_address',
    email_address: email.emailAddress,
    reserved: false,
    verification: {
      status: 'verified',
      strategy: email.verificationStrategy,
      attempts: null,
      expire_at: null,
    },
    linked_to: email.linkedTo.map((link) => ({ type: link.type, id: link.id })),
    matches_sso_connection: false,
    created_at: email.createdAt,
    updated_at: email.updatedAt,
  };
}

/** An `external_account` object; `approved_scopes` is space-separated, as Clerk sends it. */
export function externalAccountJson(account: ExternalAccountRecord, verificationRedirect?: string) {
  return {
    object: 'external_account',
    id: account.id,
    provider: account.provider,
    identification_id: account.identificationId,
    provider_user_id: account.providerUserId,
    approved_scopes: account.approvedScopes.join(' '),
    email_address: account.emailAddress,
    first_name: account.firstName,
    last_name: account.lastName,
    avatar_url: account.imageUrl,
    image_url: account.imageUrl,
    username: null,
    phone_number: null,
    public_metadata: {},
    label: null,
    created_at: account.createdAt,
    updated_at: account.updatedAt,
    verification:
      verificationRedirect === undefined
        ? { status: 'verified', strategy: 'oauth_google', attempts: null, expire_at: null }
        : {
            status: 'unverified',
            strategy: 'oauth_google',
            external_verification_redirect_url: verificationRedirect,
            error: null,
            attempts: null,
            expire_at: null,
          },
  };
}

/** A `user` object with the fields `@clerk/backend` reads. */
export function userJson(user: UserRecord) {
  return {
    id: user.id,
    object: 'user',
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: user.imageUrl,
    has_image: user.imageUrl !== '',
    primary_email_address_id: user.primaryEmailAddressId,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    password_enabled: user.password !== null,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    email_addresses: user.emailAddresses.map(emailAddressJson),
    phone_numbers: [],
    web3_wallets: [],
    passkeys: [],
    external_accounts: user.externalAccounts.map((a) => externalAccountJson(a)),
    saml_accounts: [],
    enterprise_accounts: [],
    public_metadata: user.publicMetadata,
    private_metadata: user.privateMetadata,
    unsafe_metadata: user.unsafeMetadata,
    external_id: user.externalId,
    last_sign_in_at: user.lastSignInAt,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: 100,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: user.lastActiveAt,
    legal_accepted_at: null,
  };
}

/** The user as the Frontend API shows it to its own browser: no private metadata. */
export function frontendUserJson(user: UserRecord) {
  const { private_metadata: _private, ...rest } = userJson(user);
  return rest;
}

/** A `session` object. */
export function sessionJson(session: SessionRecord, status: SessionStatus = session.status) {
  return {
    object: 'session',
    id: session.id,
    client_id: session.clientId,
    user_id: session.userId,
    status,
    last_active_at: session.lastActiveAt,
    last_active_organization_id: null,
    actor: null,
    expire_at: session.expireAt,
    abandon_at: session.abandonAt,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

/** One item of `GET /v1/users/{id}/oauth_access_tokens/oauth_google`. The refresh token never leaves. */
export function oauthAccessTokenJson(account: ExternalAccountRecord) {
  return {
    object: 'oauth_access_token',
    external_account_id: account.id,
    provider_user_id: account.providerUserId,
    token: account.tokens.accessToken,
    expires_at: account.tokens.expiresAt === undefined ? null : Math.floor(account.tokens.expiresAt / 1000),
    provider: account.provider,
    public_metadata: {},
    label: null,
    scopes: [...account.tokens.scopes],
    id_token: account.tokens.idToken ?? null,
    token_secret: null,
  };
}
