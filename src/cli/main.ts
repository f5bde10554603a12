import { type EnvConfig, EnvError, readEnv } from '../config/env.js';
import { ConfigurationError } from '../core/errors.js';
import { createLogger } from '../log/logger.js';
import type { CliIo } from './cli-io.js';
import { connectionsCommand } from './commands/connections.js';
import { doctorCommand } from './commands/doctor.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { webhooksCommand } from './commands/webhooks.js';

const USAGE = `Usage: tokenbridge <command>

Commands:
  start     Run the bridge. With no CLERK_SECRET_KEY / GOOGLE_CLIENT_ID it starts the local sandbox too:
            the Google and Clerk emulators, wired to the bridge. The sandbox keeps its users, sessions, keys
            and Google grants in SANDBOX_DATA_DIR (./data) across restarts.
            start --fresh: forget all of it (and the SQLite database) and start clean.
  sandbox   Run only the Google and Clerk emulators (for other apps' tests). sandbox --fresh: start clean.
  migrate   Apply database migrations to DATABASE_URL and exit.
  doctor    Check the whole setup (keys, database, Clerk, Google, URLs) and say how to fix what is wrong.
  keys      keys generate | keys rotate: make a new encryption key; re-encrypt every stored secret under it.
  token     token <userId> [--scope s]...: print a fresh Google access token (audited), for debugging.
  connections
            connections list | show <userId> | revoke <userId> --yes
  webhooks  webhooks failed | replay <webhookId>... | replay --all --yes: outbound events that were not delivered.
  help      Show this help.

Configuration comes from environment variables; see README.md.`;

/** Operator commands: each parses its own arguments and opens only what it needs. */
const OPERATOR_COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  keys: keysCommand,
  token: tokenCommand,
  connections: connectionsCommand,
  webhooks: webhooksCommand,
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
    if (command === 'migrate') return await migrateCommand(env, process.stdout);
    return await serveCommand(command as 'start' | 'sandbox', env, logger, argv.slice(1));
  } catch (error) {
    if (error instanceof ConfigurationError) return configurationFailure(error);
    logger.fatal({ err: error }, 'tokenbridge failed to start');
    process.stderr.write(`tokenbridge: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
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
