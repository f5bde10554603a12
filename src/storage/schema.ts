/**
 * The tables, as Kysely sees them. Times are milliseconds since the Unix epoch (bigint on PostgreSQL, parsed back to
 * numbers); secrets are keyring ciphertexts, never plaintext.
 */
export interface Database {
  tb_connections: ConnectionTable;
  tb_pending_authorizations: PendingAuthorizationTable;
  tb_processed_events: ProcessedEventTable;
  tb_audit_log: AuditTable;
  tb_webhook_outbox: WebhookOutboxTable;
  tb_rate_limits: RateLimitTable;
}

export interface ConnectionTable {
  user_id: string;
  status: string;
  google_sub: string;
  google_email: string;
  /** Space-separated, as granted by Google. */
  scopes: string;
  refresh_token: string | null;
  access_token: string | null;
  access_token_expires_at: number | null;
  refresh_token_expires_at: number | null;
  reconnect_reason: string | null;
  last_refresh_at: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: number | null;
  /** Bumped on every write, so caches and waiters can tell a newer row. */
  version: number;
  /** SHA-256 (hex) of the refresh token's 16-character prefix: what a RISC `prefix` identifier points at. */
  risc_prefix_key: string | null;
  /** SHA-256 (hex) of SHA-512(SHA-512(refresh token)): what a RISC `hash_base64_sha512_sha512` identifier points at. */
  risc_hash_key: string | null;
  /** When the grant was last (re)linked; security events issued before it are about an older grant. */
  connected_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface PendingAuthorizationTable {
  /** SHA-256 of the state: the state itself is never stored. */
  state_hash: string;
  user_id: string;
  nonce_hash: string;
  code_verifier: string;
  scopes: string;
  return_to: string;
  /** The redirect URI sent to Google; null for rows written before it was recorded (the configured one). */
  redirect_uri: string | null;
  expires_at: number;
  created_at: number;
}

export interface ProcessedEventTable {
  source: string;
  event_id: string;
  processed_at: number;
}

export interface AuditTable {
  id: string;
  at: number;
  user_id: string | null;
  action: string;
  actor: string;
  detail: string;
}

export interface WebhookOutboxTable {
  /** The Standard Webhooks `webhook-id`: the same on every attempt. */
  id: string;
  event_type: string;
  user_id: string | null;
  /** The JSON body exactly as signed and sent. Never holds a token or secret. */
  payload: string;
  /** `pending`, `delivered` or `failed` (attempts exhausted). */
  status: string;
  attempts: number;
  /** Null once delivered or failed. */
  next_attempt_at: number | null;
  /** The instance delivering the row right now, until `lease_until`. */
  lease_owner: string | null;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

/** One rate-limit bucket shared by the instances, as GCRA: a bucket whose `tat` has passed is full (and may go). */
export interface RateLimitTable {
  key: string;
  /** The theoretical arrival time, in epoch milliseconds (fractional). */
  tat: number;
}
