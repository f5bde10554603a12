import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** The emulators' state files in the sandbox's data folder. */
export function sandboxStateFiles(dataDir: string): { google: string; clerk: string } {
  return { google: join(dataDir, 'sandbox-google.json'), clerk: join(dataDir, 'sandbox-clerk.json') };
}

/** The SQLite file (and its journal files) that `databaseUrl` names, or none for PostgreSQL and `:memory:`. */
function sqliteFiles(databaseUrl: string): string[] {
  if (/^postgres(ql)?:/i.test(databaseUrl)) return [];
  const path = databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  if (path === ':memory:' || path === '') return [];
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
}

/**
 * `tokenbridge start --fresh`: forgets everything the sandbox kept, so it starts as on a first run: the emulators'
 * users, sessions, keys and grants, and the SQLite database. PostgreSQL is never touched (its data may not be the
 * sandbox's alone). The generated encryption key stays: nothing it encrypted is left, and keeping it costs nothing.
 * Returns what it removed.
 */
export function wipeSandboxState(dataDir: string, databaseUrl: string): string[] {
  const files = [...Object.values(sandboxStateFiles(dataDir)), ...sqliteFiles(databaseUrl)];
  const removed: string[] = [];
  for (const file of files) {
    try {
      rmSync(file);
      removed.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}
