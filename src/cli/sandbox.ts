import { createServer } from 'node:http';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import { type EnvConfig, resolveServiceConfig, type ServiceConfig } from '../config/env.js';
import { defaultRedirectUri, resolvePublicUrl } from '../config/public-url.js';
import { Keyring } from '../core/keyring.js';
import { GOOGLE_RISC_PATH, serverOptions } from '../http/index.js';
import { type ClerkEmulator, startClerkEmulator } from '../sandbox/clerk/index.js';
import { type GoogleEmulator, SELF_ISSUER, startGoogleEmulator } from '../sandbox/google/index.js';
import { alsoListenOnIpv6Loopback } from './ipv6-loopback.js';
import { loopbackAliases } from './loopback-origins.js';
import { sandboxKeyring } from './sandbox-key.js';
import { sandboxStateFiles } from './sandbox-state.js';
import { type RunningService, reservePort, type StartServiceOptions, startService } from './service.js';

/** The bridge's own OAuth client at the Google emulator. */
export const SANDBOX_BRIDGE_CLIENT = {
  clientId: '1000000001-tokenbridge-bridge.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-sandbox-bridge-secret',
} as const;

/** The Clerk emulator's own Google client (Clerk's "custom credentials" for the Google connection). */
export const SANDBOX_CLERK_CLIENT = {
  clientId: '1000000002-tokenbridge-clerk.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-sandbox-clerk-secret',
} as const;

export interface Sandbox {
  google: GoogleEmulator;
  clerk: ClerkEmulator;
  /** The bridge, when started `withBridge`. */
  service: RunningService | undefined;
  /** The bridge's configuration (its public URL and the emulators' credentials). */
  config: ServiceConfig;
  close(): Promise<void>;
}

export interface StartSandboxOptions extends Omit<StartServiceOptions, 'server'> {
  /** Start the bridge too (`tokenbridge start`), or only the emulators (`tokenbridge sandbox`). */
  withBridge: boolean;
  /** Where the generated encryption key (and, with `keepState`, the emulators' state) is kept. Default `SANDBOX_DATA_DIR`. */
  dataDir?: string;
  /**
   * Keep the emulators' state in `dataDir` and pick it up on the next start (`tokenbridge start` does): users keep
   * their ids, sessions stay signed in, the Clerk keys stay the same, Google grants and refresh tokens stay valid.
   * Default false: in memory, as tests want it.
   */
  keepState?: boolean;
  /** Both emulators' clock (tests pass the bridge's clock, so the three move as one). */
  emulatorClock?: Clock;
  /** Log the emulators' requests (paths only) through `logger` too. Default false. */
  emulatorLogs?: boolean;
}

/**
 * Starts the local world: the Google emulator, the Clerk emulator and (optionally) the bridge, wired together.
 * The bridge's port is taken first so its redirect URI and origin are known when its Google client is registered
 * (redirect URI plus the `postmessage` origin) and when Clerk is told where to deliver webhooks.
 */
export async function startSandbox(env: EnvConfig, options: StartSandboxOptions): Promise<Sandbox> {
  const logger: Logger = options.logger;
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    // Made here (to reserve the port first), so the deadlines' check interval is set here too.
    const server = options.withBridge ? createServer(serverOptions(env.serverLimits)) : undefined;
    let bridgePort = env.port;
    if (server) {
      bridgePort = await reservePort(server, env.host, env.port);
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections?.();
            server.close(() => resolve());
          }),
      );
      // On the default loopback address, `http://[::1]:<port>` must reach the bridge as well as 127.0.0.1 does.
      if (env.host === '127.0.0.1') {
        const closeV6 = await alsoListenOnIpv6Loopback(server, bridgePort);
        if (closeV6) cleanups.push(closeV6);
      }
    }
    const publicUrl = resolvePublicUrl(env.publicUrl, bridgePort);
    const redirectUri = env.google.redirectUri ?? defaultRedirectUri(publicUrl);
    // The console may be opened under any loopback name (localhost, 127.0.0.1, [::1]): each is its own origin to the
    // browser, so each is allowed at Clerk, registered at Google and accepted as a session token's `azp`.
    const appOrigins = loopbackAliases(new URL(publicUrl).origin);
    const dataDir = options.dataDir ?? env.sandbox.dataDir;
    const stateFiles = options.keepState ? sandboxStateFiles(dataDir) : undefined;

    const google = await startGoogleEmulator({
      host: env.host,
      port: env.sandbox.googlePort,
      ...(env.sandbox.googleIssuer === 'self' ? { issuer: SELF_ISSUER } : {}),
      clock: options.emulatorClock ?? systemClock,
      ...(options.emulatorLogs ? { logger } : {}),
      ...(stateFiles ? { stateFile: stateFiles.google } : {}),
    });
    cleanups.push(() => google.close());
    google.control.registerClient({
      ...SANDBOX_BRIDGE_CLIENT,
      name: 'Tokenbridge (sandbox)',
      // Registered under every loopback name, as a developer registers them in Google's console: Google matches
      // redirect URIs exactly, and so does the emulator.
      redirectUris: loopbackAliases(redirectUri),
      javascriptOrigins: appOrigins,
    });

    const keyring = env.encryptionKeys || !options.withBridge ? undefined : sandboxKeyring(dataDir);
    if (keyring) {
      logger.warn(
        { path: keyring.path, created: keyring.created },
        'sandbox: using a generated encryption key kept on disk; set TOKENBRIDGE_ENCRYPTION_KEYS in production',
      );
    }

    const clerk = await startClerkEmulator({
      host: env.host,
      port: env.sandbox.clerkPort,
      google: { url: google.url, ...SANDBOX_CLERK_CLIENT },
      clock: options.emulatorClock ?? systemClock,
      ...(options.withBridge ? { webhook: { url: `${publicUrl}/webhooks/clerk` } } : {}),
      allowedOrigins: appOrigins,
      // Clerk's own clerk-js and components, and a key naming a Clerk development host reached through the proxy URL
      // (the emulator's), so clerk-js keeps a development browser as with a real development instance.
      frontendApiHost: 'development',
      ...(options.emulatorLogs ? { logger } : {}),
      ...(stateFiles ? { stateFile: stateFiles.clerk } : {}),
    });
    cleanups.push(() => clerk.close());
    google.control.registerClient({
      ...SANDBOX_CLERK_CLIENT,
      name: 'Clerk (sandbox)',
      redirectUris: [clerk.googleCallbackUrl],
      javascriptOrigins: [clerk.url],
    });

    // The sandbox is for trying the bridge: its console is on unless TOKENBRIDGE_CONSOLE says off.
    const withConsole = { ...env, console: env.console ?? true };
    const config = resolveServiceConfig(withConsole, {
      port: bridgePort,
      credentials: {
        clerk: {
          secretKey: clerk.secretKey,
          publishableKey: clerk.publishableKey,
          apiUrl: clerk.url,
          proxyUrl: clerk.url,
          jwtKey: clerk.jwtKey,
          // Unset, CLERK_AUTHORIZED_PARTIES means the public origin: in the sandbox, under each of its loopback names.
          authorizedParties: env.clerk.authorizedParties.length > 0 ? env.clerk.authorizedParties : appOrigins,
          webhookSigningSecret: clerk.webhookSecret,
        },
        google: {
          ...SANDBOX_BRIDGE_CLIENT,
          redirectUri,
          // A redirect flow comes back to the loopback name it started at, where the browser has its session.
          redirectUris: loopbackAliases(redirectUri).slice(1),
          baseUrl: google.url,
          ...(env.sandbox.googleIssuer === 'self' ? { issuer: google.url } : {}),
        },
        // Without the bridge nothing is encrypted; an in-memory key completes the config it prints from.
        ...(keyring
          ? { encryptionKeys: keyring.spec }
          : options.withBridge
            ? {}
            : { encryptionKeys: Keyring.generate() }),
      },
    });
    const {
      withBridge: _,
      dataDir: __,
      emulatorClock: ___,
      emulatorLogs: ____,
      keepState: _____,
      ...serviceOptions
    } = options;
    const service = server ? await startService(config, { ...serviceOptions, server }) : undefined;
    if (service) {
      cleanups.push(() => service.close());
      // Google pushes Cross-Account Protection events for the bridge's client to the bridge, as a registered
      // receiver would get them from accounts.google.com.
      google.control.risc.registerReceiver({
        clientId: SANDBOX_BRIDGE_CLIENT.clientId,
        url: `${publicUrl}${GOOGLE_RISC_PATH}`,
      });
    }
    let closing: Promise<void> | undefined;
    return {
      google,
      clerk,
      service,
      config,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
