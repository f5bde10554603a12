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
 * Missing files fall through to the JSON 404. HTML gets `contentSecurityPolicy` (see `console-csp.ts`): clerk-js and
 * Google Identity Services from their configured origins, nothing else.
 */
export async function webRoutes(
  app: FastifyInstance,
  options: { webRoot: string; contentSecurityPolicy: string },
): Promise<void> {
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
    return send(reply, file, options.contentSecurityPolicy);
  });

  app.get<{ Params: { '*': string } }>('/web/*', { schema: { hide: true } }, async (request, reply) => {
    const file = await serve(request.params['*']);
    if (!file) return reply.callNotFound();
    return send(reply, file, options.contentSecurityPolicy);
  });
}

function send(reply: FastifyReply, file: { body: Buffer; type: string }, policy: string): FastifyReply {
  reply.type(file.type);
  reply.header('cache-control', 'no-cache');
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', policy);
  return reply.send(file.body);
}
