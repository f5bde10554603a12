import pino from 'pino';
import { type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { parseEnv } from '../../src/config/env.js';

export const EXAMPLE_CLIENT = {
  clientId: '1000000009-example-app.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-example-app-secret',
} as const;

/**
 * The emulators only, with an OAuth client registered for an example app at `appUrl` whose Google callback is
 * `callbackPath`, the way a developer sets up their own app against the sandbox.
 */
export async function sandboxForApp(appUrl: string, callbackPath: string): Promise<Sandbox> {
  const sandbox = await startSandbox(
    parseEnv({ PORT: '0', SANDBOX_GOOGLE_PORT: '0', SANDBOX_CLERK_PORT: '0', PUBLIC_URL: appUrl }),
    { withBridge: false, logger: pino({ level: 'silent' }) },
  );
  sandbox.google.control.registerClient({
    ...EXAMPLE_CLIENT,
    name: 'Example app',
    redirectUris: [`${appUrl}${callbackPath}`],
    javascriptOrigins: [appUrl],
  });
  return sandbox;
}
