import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests run against; a suite that cannot reach it fails rather than skipping. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, so parallel test files never share tables. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
