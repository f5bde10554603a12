// Another app, using the installed package as a library against `tokenbridge sandbox` (its credentials come in the
// environment, as the sandbox prints them). Its page imports `tokenbridge/client` from the package, through an import
// map, and the client asks this app's /api/google-token for the signed-in user's Google token.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyToken } from '@clerk/backend';
import { createTokenBridge, Keyring, openStore, TokenBridgeError, UnauthenticatedError } from 'tokenbridge';

const env = process.env;
const store = await openStore(':memory:');
await store.migrate();
const server = createServer();
await new Promise((resolve) => server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => resolve(undefined)));
const origin = `http://127.0.0.1:${server.address().port}`;

const bridge = createTokenBridge({
  store,
  keyring: Keyring.parse(Keyring.generate('app')),
  google: {
    clientId: env.GOOGLE_CLIENT_ID,
    clientSecret: env.GOOGLE_CLIENT_SECRET,
    redirectUri: `${origin}/oauth/google/callback`,
    baseUrl: env.GOOGLE_BASE_URL,
  },
  clerk: { secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL },
  connectUrl: (scopes) => `${origin}/connect/google?${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`,
});

/**
 * The package's built modules, straight from the installed package, as a static server without a bundler serves
 * them: the browser client imports a browser-safe module from beside its folder (the scope rules in dist/core).
 */
const DIST_DIR = dirname(dirname(fileURLToPath(import.meta.resolve('tokenbridge/client')))) + sep;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Another app</title>
<script type="importmap">{ "imports": { "tokenbridge/client": "/modules/tokenbridge/client/index.js" } }</script>
<script type="module">
  import { createTokenbridgeClient } from 'tokenbridge/client';
  window.createTokenbridgeClient = createTokenbridgeClient;
</script>
</head>
<body><h1>Another app</h1></body>
</html>
`;

async function userId(request) {
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) throw new UnauthenticatedError();
  const claims = await verifyToken(token, {
    secretKey: env.CLERK_SECRET_KEY,
    apiUrl: env.CLERK_API_URL,
    authorizedParties: [origin],
  }).catch(() => {
    throw new UnauthenticatedError('The session token did not verify.');
  });
  return claims.sub;
}

/** The app's own answer for each of the bridge's error codes it can meet here; anything else is a 500. */
const STATUS = {
  unauthenticated: 401,
  invalid_scope: 400,
  scopes_missing: 403,
  not_connected: 409,
  reconnect_required: 409,
};

function json(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

server.on('request', async (request, response) => {
  const url = new URL(request.url ?? '/', origin);
  try {
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE);
    } else if (url.pathname.startsWith('/modules/tokenbridge/')) {
      const file = normalize(join(DIST_DIR, url.pathname.slice('/modules/tokenbridge/'.length)));
      if (!file.startsWith(DIST_DIR) || extname(file) !== '.js') return json(response, 404, {});
      const body = await readFile(file).catch(() => undefined);
      if (body === undefined) return json(response, 404, {});
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(body);
    } else if (url.pathname === '/api/google-token' && request.method === 'GET') {
      const token = await bridge.getAccessToken(await userId(request), { scopes: url.searchParams.getAll('scope') });
      json(response, 200, token);
    } else {
      json(response, 404, { error: { code: 'not_found', message: 'No such route.' } });
    }
  } catch (error) {
    if (error instanceof TokenBridgeError) {
      json(response, STATUS[error.code] ?? 500, {
        error: { code: error.code, message: error.message, ...error.details },
      });
    } else {
      json(response, 500, { error: { code: 'internal_error', message: 'Something went wrong.' } });
    }
  }
});

process.once('SIGTERM', async () => {
  server.close();
  await bridge.close();
  await store.close();
  process.exit(0);
});
process.stdout.write(`App ${origin}\n`);
