import type { SignInAttempt, SignUpAttempt, Verification } from './attempts.js';
import type { UserRecord } from './model.js';

/** A `verification` object. */
export function verificationJson(v: Verification | null) {
  if (v === null) return null;
  return {
    object: 'verification',
    status: v.status,
    strategy: v.strategy,
    attempts: v.attempts,
    expire_at: v.expireAt,
    error: null,
    verified_at_client: null,
    ...(v.redirectUrl === undefined ? {} : { external_verification_redirect_url: v.redirectUrl }),
  };
}

/** The first factors a user may sign in with: a code to each email address, their password, Google. */
function firstFactors(user: UserRecord | undefined) {
  if (user === undefined) return [];
  return [
    ...user.emailAddresses.map((email) => ({
      strategy: 'email_code',
      safe_identifier: email.emailAddress,
      email_address_id: email.id,
      primary: email.id === user.primaryEmailAddressId,
    })),
    ...(user.password === null ? [] : [{ strategy: 'password' }]),
    ...(user.externalAccounts.length > 0 ? [{ strategy: 'oauth_google' }] : []),
  ];
}

/** A `sign_in` object. */
export function signInJson(attempt: SignInAttempt, user: UserRecord | undefined) {
  const status =
    attempt.createdSessionId !== null
      ? 'complete'
      : attempt.userId === null
        ? 'needs_identifier'
        : 'needs_first_factor';
  return {
    object: 'sign_in',
    id: attempt.id,
    status,
    supported_identifiers: ['email_address'],
    identifier: attempt.identifier,
    user_data: {
      first_name: user?.firstName ?? null,
      last_name: user?.lastName ?? null,
      image_url: user?.imageUrl ?? '',
      has_image: false,
    },
    supported_first_factors: firstFactors(user),
    supported_second_factors: [],
    first_factor_verification: verificationJson(attempt.firstFactor),
    second_factor_verification: null,
    created_session_id: attempt.createdSessionId,
    abandon_at: attempt.abandonAt,
    client_trust_state: 'known',
    timezone: null,
  };
}

/** Where a sign-up's email verification stands, as `next_action` says it. */
function nextAction(v: Verification | null): string {
  if (v === null) return 'needs_prepare';
  return v.status === 'verified' ? '' : 'needs_attempt';
}

/** A `sign_up` object. */
export function signUpJson(attempt: SignUpAttempt) {
  const emailVerified = attempt.emailVerification?.status === 'verified';
  const viaGoogle = attempt.externalAccount !== null;
  const missing = attempt.emailAddress === null && !viaGoogle ? ['email_address'] : [];
  return {
    object: 'sign_up',
    id: attempt.id,
    status: attempt.createdSessionId !== null ? 'complete' : 'missing_requirements',
    required_fields: ['email_address'],
    optional_fields: ['password', 'first_name', 'last_name'],
    missing_fields: missing,
    unverified_fields: attempt.emailAddress !== null && !emailVerified && !viaGoogle ? ['email_address'] : [],
    username: null,
    first_name: attempt.firstName,
    last_name: attempt.lastName,
    email_address: attempt.emailAddress,
    phone_number: null,
    web3_wallet: null,
    external_account_strategy: viaGoogle ? 'oauth_google' : null,
    external_account: null,
    has_password: attempt.password !== null,
    unsafe_metadata: {},
    created_session_id: attempt.createdSessionId,
    created_user_id: attempt.createdUserId,
    abandon_at: attempt.abandonAt,
    legal_accepted_at: null,
    locale: null,
    timezone: null,
    verifications: {
      email_address:
        attempt.emailAddress === null
          ? null
          : {
              // Not prepared yet: no strategy, which tells clerk-js's UI to send the code.
              ...(verificationJson(attempt.emailVerification) ?? {
                object: 'verification',
                status: 'unverified',
                strategy: null,
                attempts: null,
                expire_at: null,
                error: null,
              }),
              next_action: nextAction(attempt.emailVerification),
              supported_strategies: ['email_code'],
            },
      phone_number: null,
      web3_wallet: null,
      external_account: verificationJson(attempt.externalAccount),
    },
  };
}
