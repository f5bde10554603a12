import { randomBytes } from 'node:crypto';
import type { OutboxEntry } from './ports.js';
import type { BridgeEvent, Connection } from './types.js';

/** The events the app's endpoint receives. */
export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.updated',
  'connection.needs_reconnect',
  'connection.recovered',
  'connection.deleted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a connection looks like in an event: status, scopes and the Google account; never a token. */
export interface WebhookConnection {
  userId: string;
  status: Connection['status'];
  source: Connection['source'];
  google: { sub: string; email: string };
  scopes: string[];
  /** ISO 8601; set for grants Google limits in time (apps in Testing status). */
  refreshTokenExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The JSON body of one delivery, as Standard Webhooks recommends: `{ type, timestamp, data }`. */
export type WebhookPayload = { timestamp: string } & (
  | { type: 'connection.created' | 'connection.updated' | 'connection.recovered'; data: WebhookConnection }
  | { type: 'connection.needs_reconnect'; data: { userId: string; reason: string } }
  | { type: 'connection.deleted'; data: { userId: string } }
);

/**
 * The outbound payload of a bridge event, or null for the bridge's internal events (refreshes, lock waits, …).
 * Fields are copied one by one, so nothing added to `Connection` later can leak into an event unreviewed.
 *
 * @example
 * webhookPayload({ type: 'connection.deleted', userId: 'user_1' }, Date.now());
 * // { type: 'connection.deleted', timestamp: '2026-…', data: { userId: 'user_1' } }
 */
export function webhookPayload(event: BridgeEvent, at: number): WebhookPayload | null {
  const timestamp = new Date(at).toISOString();
  switch (event.type) {
    case 'connection.created':
    case 'connection.updated':
    case 'connection.recovered':
      return { type: event.type, timestamp, data: connectionData(event.connection) };
    case 'connection.needs_reconnect':
      return { type: event.type, timestamp, data: { userId: event.userId, reason: event.reason } };
    case 'connection.deleted':
      return { type: event.type, timestamp, data: { userId: event.userId } };
    default:
      return null;
  }
}

function connectionData(c: Connection): WebhookConnection {
  return {
    userId: c.userId,
    status: c.status,
    source: c.source,
    google: { sub: c.google.sub, email: c.google.email },
    scopes: [...c.scopes],
    refreshTokenExpiresAt: c.refreshTokenExpiresAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/**
 * The outbox rows for the outbound events among `events` (internal events have none), each with a fresh
 * `webhook-id`: what a connection write carries so the change and its events are stored together.
 *
 * @example
 * await repo.deleteConnection(userId, { outbox: outboxEntries([{ type: 'connection.deleted', userId }], clock.now()) });
 */
export function outboxEntries(events: readonly BridgeEvent[], at: number): OutboxEntry[] {
  return events.flatMap((event) => {
    const payload = webhookPayload(event, at);
    if (payload === null) return [];
    return [
      {
        id: newWebhookId(),
        type: payload.type,
        userId: payload.data.userId,
        payload: JSON.stringify(payload),
        createdAt: at,
      },
    ];
  });
}

/** A Standard Webhooks message id: `msg_` and 128 random bits. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}
