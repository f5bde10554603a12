import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClerkClient } from '@clerk/backend';
import { clerkMiddleware } from '@clerk/express';
import express from 'express';
import pino from 'pino';
import { createApp as createFastifyApp } from '../../examples/fastify/app.js';
import { createTokenbridge as createNextTokenbridge } from '../../examples/nextjs/lib/create-tokenbridge.js';
import type { Sandbox } from '../../src/cli/sandbox.js';
import type { ServiceConfig } from '../../src/config/env.js';
import { createTokenbridgeRouter } from '../../src/express/index.js';
import { connectUrlBuilder } from '../../src/fastify/index.js';
import { buildServer } from '../../src/http/server.js';
import { createTokenBridge, Keyring, openStore, type Store, type TokenBridge } from '../../src/index.js';
import { type ClerkAuthLike, createTokenbridgePagesHandler } from '../../src/next/index.js';
import { EXAMPLE_CLIENT } from '../examples/sandbox-app.js';

/** The app every target pretends to be, and the path the bridge is mounted under in it. */
export const APP_URL = 'http://localhost:4016';
export const MOUNT = '/api/tokenbridge';
export const PUBLIC_URL = `${APP_URL}${MOUNT}`;

/** One way of serving the bridge's routes, reached with web `Request`s for paths under the app's origin. */
export interface Target {
  name: string;
  /** Sends a request for `path` (starting with the mount path) and returns the answer, redirects not followed. */
  send(path: string, init?: RequestInit): Promise<Response>;
  /** A `fetch` for `tokenbridge/client`, whose base URL is `clientBase`. */
  fetch: typeof fetch;
  clientBase: string;
  bridge: TokenBridge;
  /** The Next adapter's and the Express adapter's server helper, as the app's own code calls it. */
  googleToken?: (sessionToken: string, scopes: string[]) => Promise<unknown>;
  close(): Promise<void>;
}

export type TargetName = 'standalone' | 'fastify-plugin' | 'express' | 'next' | 'next-pages';

/** The bridge's configuration in every target: PUBLIC_URL with the mount path, the sandbox's Clerk and Google. */
function bridgeConfig(sandbox: Sandbox): ServiceConfig {
  return {
    ...sandbox.config,
    publicUrl: PUBLIC_URL,
    clerk: { ...sandbox.config.clerk, authorizedParties: [APP_URL] },
    google: {
      ...EXAMPLE_CLIENT,
      redirectUri: `${PUBLIC_URL}/oauth/google/callback`,
      baseUrl: sandbox.google.url,
    },
    console: false,
  };
}

async function newBridge(sandbox: Sandbox): Promise<{ store: Store; bridge: TokenBridge }> {
  const store = await openStore(':memory:');
  await store.migrate();
  const bridge = createTokenBridge({
    store,
    keyring: Keyring.parse(Keyring.generate('k1')),
    google: { ...EXAMPLE_CLIENT, redirectUri: `${PUBLIC_URL}/oauth/google/callback`, baseUrl: sandbox.google.url },
    clerk: { secretKey: sandbox.clerk.secretKey, apiUrl: sandbox.clerk.url },
    tokenSource: 'oauth',
    connectUrl: connectUrlBuilder(PUBLIC_URL),
  });
  return { store, bridge };
}

/** A target reached over HTTP on 127.0.0.1: requests keep their path, and the `Host` stays the server's. */
function overHttp(server: Server): Pick<Target, 'send' | 'fetch' | 'clientBase'> {
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    send: (path, init = {}) => fetch(`${origin}${path}`, { ...init, redirect: 'manual' }),
    fetch: (input, init) => fetch(input, init),
    clientBase: `${origin}${MOUNT}`,
  };
}

async function listen(server: Server): Promise<void> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
}

const bearer = (token: string) => new Request(APP_URL, { headers: { authorization: `Bearer ${token}` } });

export async function startTarget(name: TargetName, sandbox: Sandbox): Promise<Target> {
  const { store, bridge } = await newBridge(sandbox);
  const config = bridgeConfig(sandbox);
  const done = async () => {
    await bridge.close();
    await store.close();
  };

  if (name === 'standalone') {
    const app = await buildServer({ config, bridge, store, logger: pino({ level: 'silent' }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { name, bridge, ...overHttp(app.server), close: () => app.close().then(done) };
  }

  if (name === 'fastify-plugin') {
    // examples/fastify: a host app with a route of its own beside the bridge's (docs/frameworks/fastify.md).
    const app = await createFastifyApp({
      bridge,
      store,
      appUrl: APP_URL,
      clerk: {
        secretKey: sandbox.clerk.secretKey,
        publishableKey: sandbox.clerk.publishableKey,
        apiUrl: sandbox.clerk.url,
      },
      googleClientId: EXAMPLE_CLIENT.clientId,
      googleBaseUrl: sandbox.google.url,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { name, bridge, ...overHttp(app.server), close: () => app.close().then(done) };
  }

  const clerk = createClerkClient({
    secretKey: sandbox.clerk.secretKey,
    publishableKey: sandbox.clerk.publishableKey,
    apiUrl: sandbox.clerk.url,
  });

  if (name === 'express') {
    const app = express();
    app.use(
      clerkMiddleware({
        clerkClient: clerk,
        secretKey: sandbox.clerk.secretKey,
        publishableKey: sandbox.clerk.publishableKey,
        proxyUrl: sandbox.clerk.url,
      }),
    );
    const tokenbridge = createTokenbridgeRouter({ bridge, store, config: { ...config, clerk: undefined } });
    app.use(MOUNT, tokenbridge.router);
    app.get('/files', async (req, res) => {
      res.json(await tokenbridge.googleToken(req, ['drive.readonly']));
    });
    const server = createServer(app);
    await listen(server);
    const http = overHttp(server);
    return {
      name,
      bridge,
      ...http,
      googleToken: async (token) =>
        (await http.send('/files', { headers: { authorization: `Bearer ${token}` } })).json() as Promise<unknown>,
      close: async () => {
        await tokenbridge.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await done();
      },
    };
  }

  if (name === 'next-pages') {
    // Next's Pages Router: the API route handler on Node's req/res, as `pages/api/tokenbridge/[...path].ts` runs it
    // (body parsing off). `getAuth(req)` is the one @clerk/nextjs would give, made here by @clerk/backend.
    const auth = async (req: IncomingMessage): Promise<ClerkAuthLike> => {
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
      const state = await clerk.authenticateRequest(new Request(`${APP_URL}${req.url}`, { headers }), {
        authorizedParties: [APP_URL],
      });
      return state.toAuth() ?? { userId: null };
    };
    const pages = createTokenbridgePagesHandler({ bridge, store, config: { ...config, clerk: undefined }, auth });
    const server = createServer((req, res) => {
      if (req.url?.startsWith(`${MOUNT}/`)) {
        pages.handler(req, res).catch(() => res.destroy());
        return;
      }
      pages.googleToken(req, ['drive.readonly']).then((result) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(result));
      });
    });
    await listen(server);
    const http = overHttp(server);
    return {
      name,
      bridge,
      ...http,
      googleToken: async (token) =>
        (await http.send('/files', { headers: { authorization: `Bearer ${token}` } })).json() as Promise<unknown>,
      close: async () => {
        await pages.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await done();
      },
    };
  }

  // Next: the route handlers called with web Requests, as the App Router calls them. `auth()` is the one
  // @clerk/nextjs would give, made here by @clerk/backend from the request (or from the server helper's session).
  let serverSession: string | undefined;
  const auth = async (request: Request | undefined): Promise<ClerkAuthLike> => {
    const from = request ?? (serverSession === undefined ? undefined : bearer(serverSession));
    if (from === undefined) return { userId: null };
    const state = await clerk.authenticateRequest(from, { authorizedParties: [APP_URL] });
    return state.toAuth() ?? { userId: null };
  };
  // examples/nextjs: the handlers and googleToken() as docs/frameworks/next.md creates them, with its own store.
  await done();
  const handlers = createNextTokenbridge(
    {
      APP_URL,
      DATABASE_URL: ':memory:',
      TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('k1'),
      GOOGLE_CLIENT_ID: EXAMPLE_CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: EXAMPLE_CLIENT.clientSecret,
      GOOGLE_BASE_URL: sandbox.google.url,
      CLERK_SECRET_KEY: sandbox.clerk.secretKey,
      CLERK_API_URL: sandbox.clerk.url,
    },
    auth,
  );
  const route = (request: Request) => handlers[request.method as 'GET'](request);
  return {
    name,
    bridge,
    send: (path, init) => route(new Request(`${APP_URL}${path}`, init)),
    fetch: (input, init) => route(new Request(input, init)),
    clientBase: PUBLIC_URL,
    googleToken: async (token, scopes) => {
      serverSession = token;
      return handlers.googleToken(scopes);
    },
    close: () => handlers.close(),
  };
}
