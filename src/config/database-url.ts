import { EnvError } from './env-error.js';

/** `DATABASE_URL`: `postgres://…` for PostgreSQL, anything else a SQLite file path. */
export function databaseUrl(raw: string, name: string): string {
  if (/^postgres(ql)?:/i.test(raw)) {
    try {
      if (new URL(raw).hostname === '') throw new Error('no host');
    } catch {
      throw new EnvError(name, 'expected postgres://user@host:port/database or a SQLite file path.');
    }
    return raw;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/^sqlite:/i.test(raw)) {
    throw new EnvError(name, 'expected postgres://… for PostgreSQL or a file path for SQLite.');
  }
  return raw;
}
