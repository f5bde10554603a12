import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/core/webhook-dispatcher.js';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import type { Database } from '../../src/storage/index.js';
import { BACKENDS, startWorld, type World } from '../e2e/world.js';
import { newWebhookSecret, type Receiver, startReceiver } from './receiver.js';

/**
 * A crash between a connection change and the write of its event must not lose the event. The failure is injected
 * exactly there: a trigger makes the outbox insert fail after the connection row was written in the same request.
 */
describe.each(BACKENDS)('outbound events are written with the change they report, on %s', (backend) => {
  let world: World;
  let receiver: Receiver;
  let secret: string;
  let ada: BrowserSignIn;
  beforeAll(async () => {
    secret = newWebhookSecret();
    receiver = await startReceiver(secret, { now: () => world.clock.now() });
    world = await startWorld(backend, {
      env: { TOKENBRIDGE_WEBHOOK_URL: receiver.url, TOKENBRIDGE_WEBHOOK_SECRET: secret },
    });
    ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    await receiver.waitFor((r) => r.payload?.type === 'connection.created');
  });
  afterAll(async () => {
    await world?.close();
    await receiver?.close();
  });

  const db = () => (world.service.store as unknown as { kysely: Kysely<Database> }).kysely;
  const table = (name: string) => (world.schema ? `"${world.schema}".${name}` : name);

  /** From now on every insert into the outbox fails, as a crash right after the connection write would. */
  async function breakOutbox(): Promise<void> {
    if (backend === 'sqlite') {
      await sql
        .raw(
          `create trigger tb_fail_outbox before insert on tb_webhook_outbox begin select raise(abort, 'injected: the outbox write failed'); end`,
        )
        .execute(db());
      return;
    }
    await sql
      .raw(
        `create function ${table('tb_fail_outbox')}() returns trigger language plpgsql as $$ begin raise exception 'injected: the outbox write failed'; end $$`,
      )
      .execute(db());
    await sql
      .raw(
        `create trigger tb_fail_outbox before insert on ${table('tb_webhook_outbox')} for each row execute function ${table('tb_fail_outbox')}()`,
      )
      .execute(db());
  }

  async function repairOutbox(): Promise<void> {
    if (backend === 'sqlite') {
      await sql.raw('drop trigger tb_fail_outbox').execute(db());
      return;
    }
    await sql.raw(`drop trigger tb_fail_outbox on ${table('tb_webhook_outbox')}`).execute(db());
    await sql.raw(`drop function ${table('tb_fail_outbox')}()`).execute(db());
  }

  async function outboxRows(userId: string): Promise<Array<{ event_type: string; status: string }>> {
    return db()
      .selectFrom('tb_webhook_outbox')
      .select(['event_type', 'status'])
      .where('user_id', '=', userId)
      .execute();
  }

  it('a disconnect whose event cannot be written is not made: neither the change nor the event', async () => {
    const types = async () => (await outboxRows(ada.userId)).map((row) => row.event_type);
    const before = await types();
    await breakOutbox();
    try {
      const response = await world.call('/api/google/connection', { method: 'DELETE', who: ada });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
    } finally {
      await repairOutbox();
    }
    expect(await world.service.store.getConnection(ada.userId)).not.toBeNull();
    expect(await types()).toEqual(before);
  });

  it('a connect whose event cannot be written is not made either', async () => {
    const grace = await world.signIn('grace@example.com');
    await breakOutbox();
    try {
      await expect(world.connect(grace, ['drive.readonly'], { account: 'grace@example.com' })).rejects.toThrow(/503/);
    } finally {
      await repairOutbox();
    }
    expect(await world.service.store.getConnection(grace.userId)).toBeNull();
    expect(await outboxRows(grace.userId)).toEqual([]);
  });

  it('an event written with its change is delivered by the next instance after this one stops undelivered', async () => {
    // This instance stops sending (as if it crashed right after the change committed).
    await world.service.webhooks!.close();
    const response = await world.call('/api/google/connection', { method: 'DELETE', who: ada });
    expect(response.status).toBe(204);
    expect(await world.service.store.getConnection(ada.userId)).toBeNull();
    expect(await outboxRows(ada.userId)).toContainEqual({ event_type: 'connection.deleted', status: 'pending' });
    expect(receiver.received.some((r) => r.payload?.type === 'connection.deleted')).toBe(false);

    // The next instance on the same database finds the event and delivers it.
    const next = new WebhookDispatcher({ store: world.service.store, url: receiver.url, secret, clock: world.clock });
    try {
      const deliveries = await next.deliverDue();
      expect(deliveries).toContainEqual(expect.objectContaining({ type: 'connection.deleted', outcome: 'delivered' }));
    } finally {
      await next.close();
    }
    const [deleted] = await receiver.waitFor((r) => r.payload?.type === 'connection.deleted');
    expect(deleted!.payload).toMatchObject({ data: { userId: ada.userId } });
    expect(await outboxRows(ada.userId)).toContainEqual({ event_type: 'connection.deleted', status: 'delivered' });
  });
});
