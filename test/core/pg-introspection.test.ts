import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/index.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg.js';

/**
 * Kysely's migrator asks "does tb_migrations exist?" through the dialect's introspector. Kysely's own PostgreSQL
 * introspector reads every table of every schema to answer, so a schema dropped by someone else during that scan
 * failed the migration (`schema "e2e_…" does not exist`, seen with two test suites side by side). The store's
 * introspector looks at its own schema only.
 */
describe('PostgreSQL introspection, limited to the store’s schema', () => {
  const own = uniqueSchema('tb_introspect');
  const other = uniqueSchema('tb_elsewhere');
  let store: Store;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema "${other}"; create table "${other}".not_ours (id int primary key)`);
    store = await openStore(PG_URL, { schema: own });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await admin.end();
    await dropSchema(own);
    await dropSchema(other);
  });

  const introspection = () => (store as unknown as { kysely: Kysely<unknown> }).kysely.introspection;

  it('sees the store’s own tables, with their columns, and nothing of another schema', async () => {
    const tables = await introspection().getTables();
    expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([own]));
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['tb_connections', 'tb_migrations']));
    expect(tables.map((t) => t.name)).not.toContain('not_ours');
    const connections = tables.find((t) => t.name === 'tb_connections');
    expect(connections?.columns.map((c) => c.name)).toContain('user_id');
    expect((await introspection().getSchemas()).map((s) => s.name)).toEqual([own]);
  });

  it('migrates again, as every start does, while other schemas come and go', async () => {
    const churn = (async () => {
      for (let i = 0; i < 20; i++) {
        const name = uniqueSchema('tb_churn');
        await admin.query(`create schema "${name}"; create table "${name}".t (id int)`);
        await admin.query(`drop schema "${name}" cascade`);
      }
    })();
    for (let i = 0; i < 5; i++) await store.migrate();
    await churn;
    expect((await introspection().getTables()).map((t) => t.name)).toContain('tb_migrations');
  });
});
