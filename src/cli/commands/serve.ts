import type { EnvConfig } from '../../config/env.js';
import { resolveServiceConfig } from '../../config/env.js';
import type { createLogger } from '../../log/logger.js';
import { describeDatabase } from '../doctor/database-check.js';
import { startSandbox } from '../sandbox.js';
import { startService } from '../service.js';

type Logger = ReturnType<typeof createLogger>;

/** `tokenbridge start` and `tokenbridge sandbox`: runs until SIGINT/SIGTERM, then shuts down; resolves with the exit code. */
export async function serveCommand(command: 'start' | 'sandbox', env: EnvConfig, logger: Logger): Promise<number> {
  const stop = await run(command, env, logger);
  return untilSignal(stop, logger);
}

async function run(
  command: 'start' | 'sandbox' | (string & {}),
  env: EnvConfig,
  logger: Logger,
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
      // @clerk/backend builds the dev handshake URL as https://<frontend API> unless proxyUrl is set; the emulator is
      // plain HTTP, so apps pass this as proxyUrl (docs/sandbox/clerk.md).
      `  CLERK_PROXY_URL=${sandbox.clerk.url}`,
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
function untilSignal(stop: () => Promise<void>, logger: Logger): Promise<number> {
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
