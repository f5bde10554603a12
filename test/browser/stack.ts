import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { parseEnv } from '../../src/config/env.js';
import { builtClient } from './built-client.js';

/** The whole local world, as `npm start` runs it, on free ports: the bridge with both emulators. */
export interface Stack {
  /** The bridge's public URL: the console is at its `/`. */
  url: string;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/**
 * Starts the sandbox in-process (SQLite in a temp folder, a generated key, ports chosen by the OS), exactly as the
 * launcher wires it: the bridge's Google client with its redirect URI and JavaScript origin, Clerk's Google client.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenbridge-browser-'));
  const config = parseEnv({
    HOST: '127.0.0.1',
    PORT: '0',
    SANDBOX_GOOGLE_PORT: '0',
    SANDBOX_CLERK_PORT: '0',
    DATABASE_URL: join(dir, 'tokenbridge.db'),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const sandbox = await startSandbox(config, {
    withBridge: true,
    logger: pino({ level: 'silent' }),
    dataDir: dir,
    clientRoot: await builtClient(),
  });
  return {
    url: sandbox.config.publicUrl,
    sandbox,
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
