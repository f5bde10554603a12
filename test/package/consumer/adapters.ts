// A consumer of each framework adapter, typechecked against the installed package's declarations (never run), in a
// project with neither next, @clerk/nextjs, express nor @clerk/express installed: the adapters' types need none of them.
import type { IncomingMessage } from 'node:http';
import Fastify from 'fastify';
import type { Store, TokenBridge } from 'tokenbridge';
import { createTokenbridgeRouter, type ExpressTokenbridge } from 'tokenbridge/express';
import { connectUrlBuilder, type Identify, tokenbridgePlugin } from 'tokenbridge/fastify';
import { createTokenbridgeHandlers, type GoogleTokenResult, type RouteHandler } from 'tokenbridge/next';

const publicUrl = 'https://app.example.com/api/tokenbridge';
export const connectUrl: (scopes: readonly string[]) => string = connectUrlBuilder(publicUrl);

export async function fastifyHost(bridge: TokenBridge, store: Store): Promise<void> {
  const app = Fastify();
  const identify: Identify = (request) => (request.headers['x-user'] ? { userId: 'user_1' } : null);
  await app.register(tokenbridgePlugin, {
    config: { publicUrl, google: { clientId: 'client' } },
    bridge,
    store,
    identify,
  });
}

export function expressHost(bridge: TokenBridge, store: Store): ExpressTokenbridge {
  return createTokenbridgeRouter({ bridge, store, config: { publicUrl, google: { clientId: 'client' } } });
}

export async function expressHelper(tokenbridge: ExpressTokenbridge, req: IncomingMessage): Promise<string> {
  const result = await tokenbridge.googleToken(req, ['drive.readonly']);
  return result.ok ? result.token.accessToken : (result.connectUrl ?? result.code);
}

export function nextRoute(bridge: TokenBridge, store: Store): { GET: RouteHandler; POST: RouteHandler } {
  const { GET, POST } = createTokenbridgeHandlers({ bridge, store, config: { publicUrl, google: { clientId: 'c' } } });
  return { GET, POST };
}

export async function serverComponent(bridge: TokenBridge, store: Store): Promise<string> {
  const tokenbridge = createTokenbridgeHandlers({
    bridge,
    store,
    config: { publicUrl, google: { clientId: 'c' } },
    auth: async () => ({ userId: 'user_1' }),
  });
  const result: GoogleTokenResult = await tokenbridge.googleToken(['drive.readonly']);
  if (result.ok) return result.token.accessToken;
  switch (result.code) {
    case 'not_connected':
    case 'reconnect_required':
    case 'scopes_missing':
      return result.connectUrl ?? '';
    default:
      return result.message;
  }
}
