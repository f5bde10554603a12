import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { PendingAuthorization, StoredConnection } from '../core/ports.js';
import type { ConnectionStatus, ReconnectReason } from '../core/types.js';
import type { ConnectionTable, PendingAuthorizationTable } from './schema.js';

/** Rows as the tables hold them, and back: the one place that knows both shapes. */

const num = (value: number | string | bigint | null): number | null => (value === null ? null : Number(value));

export function toConnection(row: Selectable<ConnectionTable>): StoredConnection {
  return {
    userId: row.user_id,
    status: row.status as ConnectionStatus,
    googleSub: row.google_sub,
    googleEmail: row.google_email,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    refreshToken: row.refresh_token,
    accessToken: row.access_token,
    accessTokenExpiresAt: num(row.access_token_expires_at),
    refreshTokenExpiresAt: num(row.refresh_token_expires_at),
    reconnectReason: row.reconnect_reason as ReconnectReason | null,
    lastRefreshAt: num(row.last_refresh_at),
    lastError:
      row.last_error_code === null
        ? null
        : { code: row.last_error_code, message: row.last_error_message ?? '', at: num(row.last_error_at) ?? 0 },
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    // Present only when recorded, so rows written without them read back as they were written.
    ...(row.risc_prefix_key !== null && row.risc_hash_key !== null
      ? { riscKeys: { prefix: row.risc_prefix_key, hash: row.risc_hash_key } }
      : {}),
    ...(row.connected_at !== null ? { connectedAt: Number(row.connected_at) } : {}),
  };
}

export function fromConnection(c: StoredConnection, version: number): ConnectionTable {
  return {
    user_id: c.userId,
    status: c.status,
    google_sub: c.googleSub,
    google_email: c.googleEmail,
    scopes: c.scopes.join(' '),
    refresh_token: c.refreshToken,
    access_token: c.accessToken,
    access_token_expires_at: c.accessTokenExpiresAt,
    refresh_token_expires_at: c.refreshTokenExpiresAt,
    reconnect_reason: c.reconnectReason,
    last_refresh_at: c.lastRefreshAt,
    last_error_code: c.lastError?.code ?? null,
    last_error_message: c.lastError?.message ?? null,
    last_error_at: c.lastError?.at ?? null,
    version,
    risc_prefix_key: c.riscKeys?.prefix ?? null,
    risc_hash_key: c.riscKeys?.hash ?? null,
    connected_at: c.connectedAt ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function toPending(row: Selectable<PendingAuthorizationTable>): PendingAuthorization {
  return {
    stateHash: row.state_hash,
    userId: row.user_id,
    nonceHash: row.nonce_hash,
    codeVerifier: row.code_verifier,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    returnTo: row.return_to,
    redirectUri: row.redirect_uri,
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}

let auditSequence = 0;

/** Sorts by time, then by order of writing within this process, so entries in the same millisecond keep their order. */
export function auditId(at: number): string {
  auditSequence = (auditSequence + 1) % 36 ** 6;
  return (
    Math.max(0, at).toString(36).padStart(9, '0') +
    auditSequence.toString(36).padStart(6, '0') +
    randomBytes(6).toString('hex')
  );
}
