/**
 * The Cross-Account Protection event types Google sends, by the short names the control API takes. The URIs are the
 * keys of a Security Event Token's `events` claim.
 */
export const RISC_EVENT_TYPES = {
  'tokens-revoked': 'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked',
  'token-revoked': 'https://schemas.openid.net/secevent/oauth/event-type/token-revoked',
  'sessions-revoked': 'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked',
  'account-disabled': 'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
  'account-enabled': 'https://schemas.openid.net/secevent/risc/event-type/account-enabled',
  'account-credential-change-required':
    'https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required',
  verification: 'https://schemas.openid.net/secevent/risc/event-type/verification',
} as const;

export type RiscEventType = keyof typeof RISC_EVENT_TYPES;

export const RISC_EVENT_TYPE_NAMES = Object.keys(RISC_EVENT_TYPES) as [RiscEventType, ...RiscEventType[]];

/** How a token-revoked event names the refresh token: its first 16 characters, or a double SHA-512 hash. */
export type TokenIdentifierAlg = 'prefix' | 'hash_base64_sha512_sha512';

/** The push delivery method of RFC 8935, the only one Google offers. */
export const PUSH_DELIVERY_METHOD = 'https://schemas.openid.net/secevent/risc/delivery-method/push';
