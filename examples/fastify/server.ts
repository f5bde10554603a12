// Run with: node --import tsx examples/fastify/server.ts (environment as in docs/frameworks/fastify.md).
import { connectUrlBuilder } from '../../src/fastify/index.js';
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
const clerk = { secretKey: required('CLERK_SECRET_KEY'), apiUrl: env.CLERK_API_URL };
const bridge = createTokenBridge({
  store,
  keyring: Keyring.parse(required('TOKENBRIDGE_ENCRYPTION_KEYS')),
  google: {
    clientId: required('GOOGLE_CLIENT_ID'),
    clientSecret: required('GOOGLE_CLIENT_SECRET'),
    redirectUri: `${publicUrl}/oauth/google/callback`,
    baseUrl: env.GOOGLE_BASE_URL,
  },
  clerk,
  connectUrl: connectUrlBuilder(publicUrl),
});
const app = await createApp({
  bridge,
  store,
  appUrl,
  clerk: { ...clerk, publishableKey: env.CLERK_PUBLISHABLE_KEY },
  googleClientId: required('GOOGLE_CLIENT_ID'),
  googleBaseUrl: env.GOOGLE_BASE_URL,
});
await app.listen({ port: Number(env.PORT ?? 3000) });
