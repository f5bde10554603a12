import type { EnvConfig } from '../../config/env.js';
import { openStore } from '../../storage/index.js';
import type { Output } from '../cli-io.js';
import { describeDatabase } from '../doctor/database-check.js';

/** `tokenbridge migrate`: applies pending migrations to DATABASE_URL and exits. */
export async function migrateCommand(env: EnvConfig, stdout: Output): Promise<number> {
  const store = await openStore(env.databaseUrl);
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  stdout.write(`Migrations applied to ${describeDatabase(env.databaseUrl)}.\n`);
  return 0;
}
