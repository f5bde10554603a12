import { type EnvConfig, EnvError, readEnv, resolveServiceConfig } from '../config/env.js';
import { ConfigurationError } from '../core/errors.js';
import { createLogger } from '../http/logger.js';
import { openStore } from '../storage/index.js';
import type { CliIo } from './cli-io.js';
import { connectionsCommand } from './commands/connections.js';
import { doctorCommand } from './commands/doctor.js';
import { keysCommand } from './commands/keys.js';
import { tokenCommand } from './commands/token.js';
import { describeDatabase } from './doctor/database-check.js';
import { startSandbox } from './sandbox.js';
import { startService } from './service.js';

const USAGE = `Usage: tokenbridge <command>

Commands:
  start     Run the bridge. With no CLERK_SECRET_KEY / GOOGLE_CLIENT_ID it starts the local sandbox too:
            the Google and Clerk emulators, wired to the bridge.
  sandbox   Run only the Google and Clerk emulators (for other apps' tests).
  migrate   Apply database migrations to DATABASE_URL and exit.
  doctor    Check the whole setup (keys, database, Clerk, Google, URLs) and say how to fix what is wrong.
  keys      keys generate | keys rotate: make a new encryption key; re-encrypt every stored secret under it.
  token     token <userId> [--scope s]...: print a fresh Google access token (audited), for debugging.
  connections
            connections list | show <userId> | revoke <userId> --yes
  help      Show this help.

Configuration comes from environment variables; see README.md.`;

/** Operator commands: each parses its own arguments and opens only what it needs. */
const OPERATOR_COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  keys: keysCommand,
  token: tokenCommand,
  connections: connectionsCommand,
};

/** The `tokenbridge` command. Resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0] ?? 'start';
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'doctor') {
    return doctorCommand(argv.slice(1), { loadEnv: readEnv, stdout: process.stdout, stderr: process.stderr });
  }
  const operator = Object.hasOwn(OPERATOR_COMMANDS, command) ? OPERATOR_COMMANDS[command] : undefined;
  if (operator) {
    let env: EnvConfig;
    try {
      env = readEnv();
    } catch (error) {
      return configurationFailure(error);
    }
    // Ctrl+C lets a long command (keys rotate) stop after the row in hand; a second one exits at once.
    const abort = new AbortController();
    const onSignal = () => (abort.signal.aborted ? process.exit(130) : abort.abort());
    process.on('SIGINT', onSignal);
    try {
      return await operator(argv.slice(1), {
        env,
        stdout: process.stdout,
        stderr: process.stderr,
        signal: abort.signal,
      });
    } catch (error) {
      if (error instanceof ConfigurationError) return configurationFailure(error);
      process.stderr.write(`tokenbridge ${command}: ${(error as Error)?.message ?? String(error)}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onSignal);
    }
  }
  if (!['start', 'sandbox', 'migrate'].includes(command)) {
    process.stderr.write(`tokenbridge: unknown command "${command.slice(0, 40)}"\n\n${USAGE}\n`);
    return 2;
  }
  let env: EnvConfig;
  try {
    env = readEnv();
  } catch (error) {
    return configurationFailure(error);
  }
  const logger = createLogger(env.logLevel);
  try {
    if (command === 'migrate') {
      const store = await openStore(env.databaseUrl);
      try {
        await store.migrate();
      } finally {
        await store.close();
      }
      process.stdout.write(`Migrations applied to ${describeDatabase(env.databaseUrl)}.\n`);
      return 0;
    }
    const stop = await run(command, env, logger);
    return await untilSignal(stop, logger);
  } catch (error) {
    if (error instanceof ConfigurationError) return configurationFailure(error);
    logger.fatal({ err: error }, 'tokenbridge failed to start');
    process.stderr.write(`tokenbridge: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}

async function run(
  command: 'start' | 'sandbox' | (string & {}),
  env: EnvConfig,
  logger: ReturnType<typeof createLogger>,
): Promise<() => Promise<void>> {
  if (command === 'sandbox' || env.mode === 'sandbox') {
    const withBridge = command === 'start';
    const sandbox = await startSandbox(env, { withBridge, logger });
    const lines = [
      withBridge
        ? 'Tokenbridge is running (sandbox: local Google and Clerk emulators, no real accounts).'
        : 'Tokenbridge sandbox emulators are running.',
      '',
      ...(sandbox.service
        ? [
            `  Bridge            ${sandbox.config.publicUrl}`,
            `  Console           ${sandbox.config.publicUrl}/`,
            `  Sign in           ${sandbox.clerk.url}/sign-in?redirect_url=${encodeURIComponent(`${sandbox.config.publicUrl}/`)}`,
            `  Token API         ${sandbox.config.publicUrl}/api/google-token`,
          ]
        : []),
      `  Google emulator   ${sandbox.google.url}`,
      `  Clerk emulator    ${sandbox.clerk.url}`,
      ...(sandbox.service ? [`  Database          ${describeDatabase(env.databaseUrl)}`] : []),
      '',
      `  CLERK_PUBLISHABLE_KEY=${sandbox.clerk.publishableKey}`,
      `  GOOGLE_BASE_URL=${sandbox.google.url}`,
      // Emulators only: another app needs these throwaway sandbox credentials (its redirect URI is
      // $PUBLIC_URL/oauth/google/callback, as for the bridge).
      ...(sandbox.service
        ? []
        : [
            `  CLERK_API_URL=${sandbox.clerk.url}`,
            `  CLERK_SECRET_KEY=${sandbox.clerk.secretKey}`,
            `  GOOGLE_CLIENT_ID=${sandbox.config.google.clientId}`,
            `  GOOGLE_CLIENT_SECRET=${sandbox.config.google.clientSecret}`,
          ]),
      '',
      'Press Ctrl+C to stop.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return () => sandbox.close();
  }
  const service = await startService(resolveServiceConfig(env, { port: env.port }), { logger });
  // The port may have been 0: report the one actually bound.
  process.stdout.write(
    `Tokenbridge is running.\n\n  Bridge            ${service.config.publicUrl}\n  Listening on      ${env.host}:${service.port}\n  Database          ${describeDatabase(env.databaseUrl)}\n\nPress Ctrl+C to stop.\n`,
  );
  return () => service.close();
}

/** Waits for SIGINT or SIGTERM, then shuts down gracefully; a second signal exits at once. */
function untilSignal(stop: () => Promise<void>, logger: ReturnType<typeof createLogger>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function configurationFailure(error: unknown): number {
  if (error instanceof EnvError || error instanceof ConfigurationError) {
    process.stderr.write(`tokenbridge: configuration error: ${error.message}\n`);
    return 78; // EX_CONFIG
  }
  throw error;
}

// Run when executed as the bin (bin/tokenbridge.js imports this module).
main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: a pool or keep-alive socket left by a dependency must not keep a stopped service alive.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`tokenbridge: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  },
);
