import type { Kysely, Selectable } from 'kysely';
import type {
  AttemptOutcome,
  FailedDelivery,
  OutboxEntry,
  OutboxMessage,
  OutboxStore,
  WebhookOutbox,
} from '../core/ports.js';
import type { Database, WebhookOutboxTable } from './schema.js';

export type { AttemptOutcome, FailedDelivery, OutboxMessage, WebhookOutbox } from '../core/ports.js';

/**
 * The outbox of a store opened by `openStore` (SQLite or PostgreSQL).
 *
 * @example
 * const due = await webhookOutbox(store).claimDue({ owner: 'i-1', now: Date.now(), leaseMs: 60_000, limit: 20 });
 */
export function webhookOutbox(store: OutboxStore): WebhookOutbox {
  return store.outbox;
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

/** The outbox over the store's own tables (the store exposes it as `store.outbox`). */
export class KyselyOutbox implements WebhookOutbox {
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
