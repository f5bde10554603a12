import type { EnvConfig } from '../../config/env.js';
import { resolveServiceConfig } from '../../config/env.js';
import type { createLogger } from '../../log/logger.js';
import { appEnvironment, writeEnvFile } from '../app-env.js';
import { describeDatabase } from '../doctor/database-check.js';
import { loopbackAliases } from '../loopback-origins.js';
import { type Sandbox, startSandbox } from '../sandbox.js';
import { sandboxKeyring } from '../sandbox-key.js';
import { wipeSandboxState } from '../sandbox-state.js';
import { startService } from '../service.js';

type Logger = ReturnType<typeof createLogger>;

/**
 * What `start` and `sandbox` accept after the command. (Not `--env-file`: Node 20 takes that flag for itself even
 * after the script's name, and exits.)
 */
export const SERVE_OPTIONS = '[--fresh] [--write-env <path>, sandbox only]';

interface ServeArgs {
  fresh: boolean;
  /** `sandbox --write-env <path>`: where to write the variables an app needs. */
  envFile: string | undefined;
}

/** The options after the command, or the first one not understood. */
function parseServeArgs(command: string, args: readonly string[]): ServeArgs | { unknown: string } {
  const parsed: ServeArgs = { fresh: false, envFile: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--fresh') parsed.fresh = true;
    else if (command === 'sandbox' && arg === '--write-env' && args[i + 1] && !args[i + 1]?.startsWith('--'))
      parsed.envFile = args[++i];
    else if (command === 'sandbox' && arg.startsWith('--write-env=') && arg.length > '--write-env='.length)
      parsed.envFile = arg.slice('--write-env='.length);
    else return { unknown: arg };
  }
  return parsed;
}

/**
 * `tokenbridge start` and `tokenbridge sandbox`: runs until SIGINT/SIGTERM, then shuts down; resolves with the exit
 * code. `--fresh` first forgets what the sandbox kept (the emulators' state and the SQLite database); `sandbox
 * --write-env .env.local` writes the variables an app needs into its dotenv file.
 */
export async function serveCommand(
  command: 'start' | 'sandbox',
  env: EnvConfig,
  logger: Logger,
  args: readonly string[] = [],
): Promise<number> {
  const parsed = parseServeArgs(command, args);
  if ('unknown' in parsed) {
    process.stderr.write(
      `tokenbridge ${command}: unknown option "${parsed.unknown.slice(0, 40)}" (accepted: ${SERVE_OPTIONS})\n`,
    );
    return 2;
  }
  const sandboxed = command === 'sandbox' || env.mode === 'sandbox';
  if (parsed.fresh) {
    if (!sandboxed) {
      process.stderr.write(
        `tokenbridge ${command}: --fresh wipes the sandbox's state and applies only to the sandbox (CLERK_SECRET_KEY or GOOGLE_CLIENT_ID is set)\n`,
      );
      return 2;
    }
    const removed = wipeSandboxState(env.sandbox.dataDir, command === 'start' ? env.databaseUrl : '');
    logger.info({ removed }, 'sandbox: --fresh, starting clean');
  }
  // Listening for signals from the first moment, not once the service is up: as a container's process 1, Node would
  // ignore a SIGTERM that came earlier, and the container would wait for its SIGKILL.
  const signals = untilSignal(logger);
  signals.ready(await run(command, env, logger, parsed.envFile));
  return signals.exitCode;
}

async function run(
  command: 'start' | 'sandbox' | (string & {}),
  env: EnvConfig,
  logger: Logger,
  envFile?: string,
): Promise<() => Promise<void>> {
  if (command === 'sandbox' || env.mode === 'sandbox') {
    const withBridge = command === 'start';
    const sandbox = await startSandbox(env, { withBridge, logger, keepState: true });
    const forApp = withBridge ? [] : appVariables(sandbox, env.sandbox.dataDir);
    if (envFile) writeEnvFile(envFile, forApp);
    const consoleAliases = loopbackAliases(`${sandbox.config.publicUrl}/`).slice(1);
    const lines = [
      withBridge
        ? 'Tokenbridge is running (sandbox: local Google and Clerk emulators, no real accounts).'
        : 'Tokenbridge sandbox emulators are running.',
      '',
      ...(sandbox.service
        ? [
            `  Bridge            ${sandbox.config.publicUrl}`,
            `  Console           ${sandbox.config.publicUrl}/${consoleAliases.length > 0 ? `  (or ${consoleAliases.join(', ')})` : ''}`,
            `  Sign in           ${sandbox.clerk.url}/sign-in?redirect_url=${encodeURIComponent(`${sandbox.config.publicUrl}/`)}`,
            // The emulator mails nothing: Clerk's sign-in codes are read here, or name+clerk_test@… takes 424242.
            `  Email codes       ${sandbox.clerk.url}/__emulator/email-codes  (name+clerk_test@… addresses: 424242)`,
            `  Token API         ${sandbox.config.publicUrl}/api/google-token`,
          ]
        : []),
      `  Google emulator   ${sandbox.google.url}`,
      `  Clerk emulator    ${sandbox.clerk.url}`,
      ...(sandbox.service ? [`  Database          ${describeDatabase(env.databaseUrl)}`] : []),
      `  Sandbox state     ${env.sandbox.dataDir} (kept across restarts; --fresh starts clean)`,
      '',
      ...(sandbox.service
        ? [
            `  CLERK_PUBLISHABLE_KEY=${sandbox.clerk.publishableKey}`,
            `  GOOGLE_BASE_URL=${sandbox.google.url}`,
            // @clerk/backend builds the dev handshake URL as https://<frontend API> unless proxyUrl is set; the
            // emulator is plain HTTP, so apps pass this as proxyUrl (docs/sandbox/clerk.md).
            `  CLERK_PROXY_URL=${sandbox.clerk.url}`,
          ]
        : [
            // Emulators only: another app needs these throwaway sandbox credentials; its Google callback is
            // $PUBLIC_URL/oauth/google/callback, registered at the Google emulator.
            `  For your app (${envFile ? `written to ${envFile}` : 'or write them to a dotenv file with --write-env .env.local'}):`,
            `  Google callback   ${sandbox.config.google.redirectUri}`,
            '',
            ...forApp.map(([name, value]) => `  ${name}=${value}`),
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

/** The variables an app running beside the emulators needs, with an encryption key kept across restarts. */
function appVariables(sandbox: Sandbox, dataDir: string): Array<[string, string]> {
  return appEnvironment({
    publicUrl: sandbox.config.publicUrl,
    clerk: sandbox.clerk,
    google: { url: sandbox.google.url, ...sandbox.config.google },
    encryptionKeys: sandboxKeyring(dataDir).spec,
  });
}

/**
 * Waits for SIGINT or SIGTERM. Once the service is `ready`, a signal shuts it down gracefully (a second one exits at
 * once). Before that, while it starts, a signal ends the process at once with 0: nothing is served yet, and a migration
 * in flight is a transaction, rolled back by the database.
 */
function untilSignal(logger: Logger): { ready(stop: () => Promise<void>): void; exitCode: Promise<number> } {
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  let resolveExit: (code: number) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    if (stop === undefined) {
      logger.info({ signal }, 'stopped while starting');
      process.exit(0);
    }
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => resolveExit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolveExit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    ready: (stopService) => {
      stop = stopService;
    },
    exitCode,
  };
}
