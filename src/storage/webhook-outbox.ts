import type { Kysely, Selectable } from 'kysely';
import { ConfigurationError } from '../core/errors.js';
import type { Database, WebhookOutboxTable } from './schema.js';
import type { OutboxEntry, Store } from './store.js';

/** One outbound event as stored: `id` is its `webhook-id`, `payload` the JSON body exactly as it is signed and sent. */
export interface OutboxMessage {
  id: string;
  type: string;
  userId: string | null;
  payload: string;
  /** Attempts started so far, the current one included once claimed. */
  attempts: number;
  createdAt: number;
}

/** A delivery given up after its last attempt, as `webhooks failed` lists it. */
export interface FailedDelivery {
  id: string;
  type: string;
  userId: string | null;
  attempts: number;
  /** The endpoint's last HTTP status; null when nothing answered. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
}

/** What an attempt came to: delivered, to be retried at `retryAt`, or given up (`retryAt` null). */
export type AttemptOutcome =
  | { delivered: true; at: number; status: number }
  | { delivered: false; retryAt: number | null; status: number | null; error: string };

/**
 * The durable queue of outbound events. Rows are claimed under a lease: on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
 * so instances sharing the database never claim the same row; a lease that runs out (its instance died mid-delivery)
 * lets another instance take the row again, with the same id.
 */
export interface WebhookOutbox {
  enqueue(message: Omit<OutboxMessage, 'attempts'>): Promise<void>;
  /** Leases up to `limit` rows due at `now` to `owner` until `now + leaseMs`, counting the attempt. */
  claimDue(options: { owner: string; now: number; leaseMs: number; limit: number }): Promise<OutboxMessage[]>;
  /** Records an attempt's outcome, if `owner` still holds the lease; false when it no longer does. */
  settle(id: string, owner: string, outcome: AttemptOutcome): Promise<boolean>;
  /** Deletes delivered and failed rows created before `before`; returns how many. */
  purgeSettled(before: number): Promise<number>;
  /** Failed deliveries, oldest first. */
  listFailed(options?: { limit?: number }): Promise<FailedDelivery[]>;
  /**
   * Puts failed deliveries back in the queue, due at `now` with a fresh retry schedule and the same `webhook-id`
   * (so a receiver that did get one de-duplicates it): the ids given, or every failed one. Returns the ids requeued.
   */
  replayFailed(options: { now: number; ids?: readonly string[] }): Promise<string[]>;
}

/**
 * The outbox of a store opened by `openStore` (SQLite or PostgreSQL).
 *
 * @example
 * const due = await webhookOutbox(store).claimDue({ owner: 'i-1', now: Date.now(), leaseMs: 60_000, limit: 20 });
 */
export function webhookOutbox(store: Store): WebhookOutbox {
  const db = (store as Partial<{ kysely: Kysely<Database> }>).kysely;
  if (db === undefined) throw new ConfigurationError('This store does not support the webhook outbox.');
  return new KyselyOutbox(db, store.kind);
}

/** Inserts pending outbox rows through `db` (a transaction, when the change they report is written with them). */
export async function insertOutboxEntries(db: Kysely<Database>, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('tb_webhook_outbox')
    .values(
      entries.map((entry) => ({
        id: entry.id,
        event_type: entry.type,
        user_id: entry.userId,
        payload: entry.payload,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: entry.createdAt,
        created_at: entry.createdAt,
      })),
    )
    .execute();
}

const toMessage = (row: Selectable<WebhookOutboxTable>): OutboxMessage => ({
  id: row.id,
  type: row.event_type,
  userId: row.user_id,
  payload: row.payload,
  attempts: Number(row.attempts),
  createdAt: Number(row.created_at),
});

class KyselyOutbox implements WebhookOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: 'sqlite' | 'postgres',
  ) {}

  async enqueue(message: Omit<OutboxMessage, 'attempts'>): Promise<void> {
    await insertOutboxEntries(this.db, [message]);
  }

  async claimDue(options: { owner: string; now: number; leaseMs: number; limit: number }): Promise<OutboxMessage[]> {
    const { owner, now, leaseMs, limit } = options;
    const rows = await this.db
      .updateTable('tb_webhook_outbox')
      .set((eb) => ({ lease_owner: owner, lease_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', (eb) => {
        const due = eb
          .selectFrom('tb_webhook_outbox')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
          .orderBy('next_attempt_at')
          .limit(limit);
        // SQLite runs one writer at a time, so the update is atomic on its own; PostgreSQL skips rows being claimed.
        return this.kind === 'postgres' ? due.forUpdate().skipLocked() : due;
      })
      .returningAll()
      .execute();
    return rows.map(toMessage).sort((a, b) => a.createdAt - b.createdAt);
  }

  async settle(id: string, owner: string, outcome: AttemptOutcome): Promise<boolean> {
    const result = await this.db
      .updateTable('tb_webhook_outbox')
      .set(
        outcome.delivered
          ? {
              status: 'delivered',
              next_attempt_at: null,
              delivered_at: outcome.at,
              last_status: outcome.status,
              last_error: null,
              lease_owner: null,
              lease_until: null,
            }
          : {
              status: outcome.retryAt === null ? 'failed' : 'pending',
              next_attempt_at: outcome.retryAt,
              last_status: outcome.status,
              last_error: outcome.error.slice(0, 500),
              lease_owner: null,
              lease_until: null,
            },
      )
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listFailed(options: { limit?: number } = {}): Promise<FailedDelivery[]> {
    const rows = await this.db
      .selectFrom('tb_webhook_outbox')
      .select(['id', 'event_type', 'user_id', 'attempts', 'last_status', 'last_error', 'created_at'])
      .where('status', '=', 'failed')
      .orderBy('created_at')
      .orderBy('id')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      type: row.event_type,
      userId: row.user_id,
      attempts: Number(row.attempts),
      lastStatus: row.last_status === null ? null : Number(row.last_status),
      lastError: row.last_error,
      createdAt: Number(row.created_at),
    }));
  }

  async replayFailed(options: { now: number; ids?: readonly string[] }): Promise<string[]> {
    if (options.ids !== undefined && options.ids.length === 0) return [];
    let query = this.db
      .updateTable('tb_webhook_outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: options.now, lease_owner: null, lease_until: null })
      .where('status', '=', 'failed');
    if (options.ids !== undefined) query = query.where('id', 'in', [...options.ids]);
    const rows = await query.returning('id').execute();
    return rows.map((row) => row.id).sort();
  }

  async purgeSettled(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('tb_webhook_outbox')
      .where('status', 'in', ['delivered', 'failed'])
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
