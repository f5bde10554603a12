import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Serves the web console from `webRoot` (`src/web`): `/` is `index.html`, every other file is under `/web/…`.
 * Missing files fall through to the JSON 404. HTML gets a CSP that lets the page load clerk-js and Google
 * Identity Services from their own origins (the emulators' in the sandbox).
 */
export async function webRoutes(app: FastifyInstance, options: { webRoot: string }): Promise<void> {
  const root = normalize(options.webRoot + sep);

  const serve = async (relative: string) => {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,200}$/.test(relative) || relative.includes('..')) return undefined;
    const path = normalize(join(root, relative));
    if (!path.startsWith(root)) return undefined;
    const type = TYPES[extname(path)];
    if (type === undefined) return undefined;
    try {
      if (!(await stat(path)).isFile()) return undefined;
      return { body: await readFile(path), type };
    } catch {
      return undefined;
    }
  };

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const file = await serve('index.html');
    if (!file) return reply.callNotFound();
    return send(reply, file);
  });

  app.get<{ Params: { '*': string } }>('/web/*', { schema: { hide: true } }, async (request, reply) => {
    const file = await serve(request.params['*']);
    if (!file) return reply.callNotFound();
    return send(reply, file);
  });
}

function send(reply: FastifyReply, file: { body: Buffer; type: string }): FastifyReply {
  reply.type(file.type);
  reply.header('cache-control', 'no-cache');
  if (file.type.startsWith('text/html')) {
    // The page loads clerk-js and Google Identity Services from their origins (the emulators in the sandbox).
    reply.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self' http: https:; connect-src 'self' http: https:; frame-src http: https:; img-src 'self' data: http: https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' http: https:",
    );
  }
  return reply.send(file.body);
}
