import { userInfo } from 'node:os';
import { pino } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import { type EnvConfig, resolveServiceConfig, type ServiceConfig } from '../config/env.js';
import { defaultRedirectUri, resolvePublicUrl } from '../config/public-url.js';
import { Keyring } from '../core/keyring.js';
import type { TokenBridge } from '../core/types.js';
import { openStore } from '../storage/index.js';
import type { Store } from '../storage/store.js';
import { bridgeFromConfig } from './bridge-from-config.js';
import { SANDBOX_BRIDGE_CLIENT } from './sandbox.js';
import { sandboxKeyring } from './sandbox-key.js';

/** Where a command writes; a TTY gets progress bars and colours, anything else plain lines. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** What every operator command is given: parsed environment, output streams, a clock (tests pass a ManualClock). */
export interface CliIo {
  env: EnvConfig;
  stdout: Output;
  stderr: Output;
  clock?: Clock;
  /** PostgreSQL schema (tests share one database). */
  schema?: string;
  /** Where the sandbox keeps its generated key. Default `SANDBOX_DATA_DIR` (`./data`). */
  dataDir?: string;
  /** Aborted on Ctrl+C: long commands stop cleanly after the item in hand. */
  signal?: AbortSignal;
}

/**
 * The configuration operator commands run with. Outside the sandbox it is exactly what `start` uses; in sandbox mode
 * it points at the emulators' default ports with the sandbox's fixed bridge client and its key file in `./data`.
 */
export function commandConfig(io: CliIo): ServiceConfig {
  const { env } = io;
  if (env.mode === 'production') return resolveServiceConfig(env, { port: env.port });
  const host = env.host === '0.0.0.0' ? '127.0.0.1' : env.host;
  return resolveServiceConfig(env, {
    port: env.port,
    credentials: {
      // The CLI never needs the emulator's secret (it reads the store, not Clerk).
      clerk: { ...env.clerk, secretKey: env.clerk.secretKey ?? 'sk_test_sandbox_unused' },
      google: {
        ...SANDBOX_BRIDGE_CLIENT,
        redirectUri: env.google.redirectUri ?? defaultRedirectUri(resolvePublicUrl(env.publicUrl, env.port)),
        baseUrl: env.google.baseUrl ?? `http://${host}:${env.sandbox.googlePort}`,
      },
      encryptionKeys: env.encryptionKeys ?? sandboxKeyring(io.dataDir ?? env.sandbox.dataDir).spec,
    },
  });
}

/** The store, keyring and (optionally) the core, opened for one command and closed after it. */
export interface CommandRuntime {
  config: ServiceConfig;
  store: Store;
  keyring: Keyring;
  bridge: TokenBridge | undefined;
  close(): Promise<void>;
}

/** Opens what a command needs. The database must already be migrated: operator commands never change the schema. */
export async function openRuntime(io: CliIo, options: { bridge: boolean }): Promise<CommandRuntime> {
  const config = commandConfig(io);
  const keyring = Keyring.parse(config.encryptionKeys);
  const clock = io.clock ?? systemClock;
  const store = await openStore(config.databaseUrl, { clock, ...(io.schema ? { schema: io.schema } : {}) });
  const bridge = options.bridge
    ? bridgeFromConfig(config, {
        store,
        keyring,
        clock,
        logger: pino({ level: 'silent' }),
        withClerk: io.env.mode === 'production',
      })
    : undefined;
  return {
    config,
    store,
    keyring,
    bridge,
    close: async () => {
      await bridge?.close();
      await store.close();
    },
  };
}

/** Who ran a command, for the audit trail: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`.slice(0, 80);
  } catch {
    return 'cli';
  }
}
