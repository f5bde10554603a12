import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

export {
  allowedPostMessageOrigin,
  type CodeResponse,
  GSI_MESSAGE_TYPE,
  POSTMESSAGE_REDIRECT_URI,
  sendGsiRelay,
} from './relay.js';

/** What the GIS script route needs; nothing yet, kept so the assembly's call does not change when it grows. */
export type GsiDeps = Record<string, never>;

/** The browser script beside this module (the build copies it into `dist/` too). */
const SCRIPT_PATH = fileURLToPath(new URL('./client.js', import.meta.url));

let cachedScript: string | undefined;

function clientScript(): string {
  cachedScript ??= readFileSync(SCRIPT_PATH, 'utf8');
  return cachedScript;
}

/**
 * Serves Google Identity Services' script at `/gsi/client` (what `https://accounts.google.com/gsi/client` is in
 * production): `google.accounts.oauth2.initCodeClient(...).requestCode()` opens the emulator's consent in a popup and
 * hands the code back through `postMessage`.
 *
 * @example
 * registerGsi(app, {});
 * // <script src="http://127.0.0.1:3001/gsi/client" async></script>
 */
export function registerGsi(app: FastifyInstance, _deps: GsiDeps = {}): void {
  // `google.accounts.oauth2.revoke()` posts to the revoke endpoint from the page's origin, which Google answers
  // cross-origin; a simple form POST needs no preflight, only this header on the answer.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.headers.origin !== undefined && request.url.split('?', 1)[0] === '/revoke') {
      reply.header('access-control-allow-origin', '*');
    }
    return payload;
  });
  app.get('/gsi/client', (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      // Pages load it cross-origin, as they do from accounts.google.com.
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('cache-control', 'public, max-age=300')
      .send(clientScript()),
  );
}
