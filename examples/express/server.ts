// Run with: node --import tsx examples/express/server.ts (environment as in README.md).
import { connectUrlBuilder } from '../../src/express/index.js';
import { createTokenBridge, Keyring, openStore } from '../../src/index.js';
import { createApp } from './app.js';

const env = process.env;
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const appUrl = required('APP_URL');
const publicUrl = `${appUrl}/api/tokenbridge`;
const store = await openStore(env.DATABASE_URL ?? './data/tokenbridge.db');
await store.migrate();
const clerk = {
  secretKey: required('CLERK_SECRET_KEY'),
  publishableKey: required('CLERK_PUBLISHABLE_KEY'),
  ...(env.CLERK_API_URL ? { apiUrl: env.CLERK_API_URL } : {}),
  ...(env.CLERK_PROXY_URL ? { proxyUrl: env.CLERK_PROXY_URL } : {}),
};
const bridge = createTokenBridge({
  store,
  keyring: Keyring.parse(required('TOKENBRIDGE_ENCRYPTION_KEYS')),
  google: {
    clientId: required('GOOGLE_CLIENT_ID'),
    clientSecret: required('GOOGLE_CLIENT_SECRET'),
    redirectUri: `${publicUrl}/oauth/google/callback`,
    ...(env.GOOGLE_BASE_URL ? { baseUrl: env.GOOGLE_BASE_URL } : {}),
  },
  clerk: { secretKey: clerk.secretKey, ...(clerk.apiUrl ? { apiUrl: clerk.apiUrl } : {}) },
  connectUrl: connectUrlBuilder(publicUrl),
});
const { app, close } = createApp({
  bridge,
  store,
  appUrl,
  clerk,
  googleClientId: required('GOOGLE_CLIENT_ID'),
  ...(env.GOOGLE_BASE_URL ? { googleApisUrl: env.GOOGLE_BASE_URL } : {}),
});
const server = app.listen(Number(env.PORT ?? 3000), () => console.log(`Listening on ${appUrl}`));
process.once('SIGTERM', () => {
  server.close();
  void close()
    .then(() => bridge.close())
    .then(() => store.close());
});
