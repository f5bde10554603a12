import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../src/cli/commands/webhooks.js';
import { ManualClock } from '../../src/clock.js';
import { parseEnv } from '../../src/config/env.js';
import { Keyring } from '../../src/core/keyring.js';
import { WebhookDispatcher } from '../../src/core/webhook-dispatcher.js';
import { outboxEntries } from '../../src/core/webhook-payload.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { dropSchema, PG_URL, uniqueSchema } from '../core/pg.js';
import { newWebhookSecret, type Receiver, startReceiver } from '../events/receiver.js';
import { capture } from './capture.js';

describe.each(['sqlite', 'postgres'] as const)(
  'tokenbridge webhooks: the deliveries that failed for good, on %s',
  (backend) => {
    const clock = new ManualClock(Date.UTC(2026, 11, 2, 7));
    const secret = newWebhookSecret();
    let dir: string;
    let store: Store;
    let receiver: Receiver;
    let dispatcher: WebhookDispatcher;
    let io: () => Parameters<typeof webhooksCommand>[1] & {
      stdout: ReturnType<typeof capture>;
      stderr: ReturnType<typeof capture>;
    };
    let failedIds: string[];
    let dropAfter: string | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tb-cli-webhooks-'));
      const schema = backend === 'postgres' ? uniqueSchema('cli_webhooks') : undefined;
      dropAfter = schema;
      const databaseUrl = schema ? PG_URL : join(dir, 'tokenbridge.db');
      store = await openStore(databaseUrl, { clock, ...(schema ? { schema } : {}) });
      await store.migrate();
      receiver = await startReceiver(secret, clock);
      // One attempt each, so an event fails for good as soon as the endpoint refuses it.
      dispatcher = new WebhookDispatcher({ store, url: receiver.url, secret, clock, retryDelaysMs: [] });
      const entries = outboxEntries(
        [
          { type: 'connection.deleted', userId: 'user_ada' },
          { type: 'connection.needs_reconnect', userId: 'user_bob', reason: 'revoked' },
          { type: 'connection.deleted', userId: 'user_cy' },
        ],
        clock.now(),
      );
      await store.recordEvents(entries);
      receiver.answer(500);
      const attempts = await dispatcher.deliverDue();
      expect(attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
      failedIds = entries.map((e) => e.id);
      receiver.answer(204);
      const env = parseEnv({
        DATABASE_URL: databaseUrl,
        CLERK_SECRET_KEY: 'sk_test_cli_webhooks_0000000000000000',
        GOOGLE_CLIENT_ID: 'cli.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'GOCSPX-cli',
        TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate(),
      });
      io = () => ({ env, stdout: capture(), stderr: capture(), clock, ...(schema ? { schema } : {}) });
    });
    afterAll(async () => {
      await dispatcher?.close();
      await store?.close();
      await receiver?.close();
      rmSync(dir, { recursive: true, force: true });
      if (dropAfter) await dropSchema(dropAfter);
    });

    it('failed lists each failed event with its id, type, user and last answer', async () => {
      const out = io();
      expect(await webhooksCommand(['failed'], out)).toBe(0);
      for (const id of failedIds) expect(out.stdout.text).toContain(id);
      expect(out.stdout.text).toMatch(/connection\.needs_reconnect\s+user_bob {2}1 attempts, last HTTP 500/);
      expect(out.stdout.text).toContain('3 failed');

      const json = io();
      expect(await webhooksCommand(['failed', '--json', '--limit', '2'], json)).toBe(0);
      const { data } = JSON.parse(json.stdout.text) as { data: Array<{ id: string; lastStatus: number }> };
      expect(data).toHaveLength(2);
      expect(data[0]).toMatchObject({ lastStatus: 500, attempts: 1 });
    });

    it('replay requeues the named event, which the next pass delivers with the same webhook-id', async () => {
      const out = io();
      expect(await webhooksCommand(['replay', failedIds[0]!], out)).toBe(0);
      expect(out.stdout.text).toContain(`requeued ${failedIds[0]}`);
      const sent = await dispatcher.deliverDue();
      expect(sent).toEqual([expect.objectContaining({ id: failedIds[0], outcome: 'delivered' })]);
      const [delivered] = await receiver.waitFor((r) => r.id === failedIds[0] && r.status === 204);
      expect(delivered!.payload).toMatchObject({ type: 'connection.deleted', data: { userId: 'user_ada' } });

      const left = io();
      await webhooksCommand(['failed', '--json'], left);
      const ids = (JSON.parse(left.stdout.text) as { data: Array<{ id: string }> }).data.map((d) => d.id);
      // Events of the same instant come in the database's id order.
      expect([...ids].sort()).toEqual(failedIds.slice(1).sort());
    });

    it('an id that is not a failed delivery is named and makes the command fail', async () => {
      const out = io();
      expect(await webhooksCommand(['replay', 'msg_nope', failedIds[0]!], out)).toBe(1);
      expect(out.stderr.text).toContain('not a failed delivery: msg_nope');
      expect(out.stderr.text).toContain(`not a failed delivery: ${failedIds[0]}`);
    });

    it('replay --all needs --yes, then requeues every failed event', async () => {
      const refused = io();
      expect(await webhooksCommand(['replay', '--all'], refused)).toBe(2);
      expect(await webhooksCommand(['replay'], io())).toBe(2);
      const out = io();
      expect(await webhooksCommand(['replay', '--all', '--yes'], out)).toBe(0);
      expect(out.stdout.text).toContain('2 requeued.');
      const sent = await dispatcher.deliverDue();
      expect(sent.map((s) => s.outcome)).toEqual(['delivered', 'delivered']);
      const none = io();
      await webhooksCommand(['failed'], none);
      expect(none.stdout.text).toBe('No failed deliveries.\n');
    });

    it('an unknown subcommand or option prints the usage with exit code 2', async () => {
      const out = io();
      expect(await webhooksCommand(['purge'], out)).toBe(2);
      expect(out.stderr.text).toContain('tokenbridge webhooks failed');
      expect(await webhooksCommand(['failed', '--verbose'], io())).toBe(2);
    });
  },
);
