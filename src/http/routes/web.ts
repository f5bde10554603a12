import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, posix, sep } from 'node:path';
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

/** The browser client's entry, relative to the built code's root. */
const CLIENT_ENTRY = 'client/index.js';

/**
 * Serves the web console from `webRoot` (`src/web`): `/` is `index.html`, every other file is under `/web/…`; under a
 * prefix (PUBLIC_URL's path) the page is at `/tokenbridge/`, and `/tokenbridge` redirects there. The
 * console runs the shipped browser client (`tokenbridge/client`), served as built under `/modules/…`: exactly the
 * modules `client/index.js` imports, from `clientRoot` (the built `dist/`), and nothing else of it.
 * Missing files fall through to the JSON 404. HTML gets `contentSecurityPolicy` (see `console-csp.ts`): clerk-js and
 * Google Identity Services from their configured origins, nothing else.
 */
export async function webRoutes(
  app: FastifyInstance,
  options: { webRoot: string; clientRoot: string; contentSecurityPolicy: string },
): Promise<void> {
  const root = normalize(options.webRoot + sep);
  const clientRoot = normalize(options.clientRoot + sep);
  let clientModules: Promise<Set<string>> | undefined;

  const serve = async (base: string, relative: string) => {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,200}$/.test(relative) || relative.includes('..')) return undefined;
    const path = normalize(join(base, relative));
    if (!path.startsWith(base)) return undefined;
    const type = TYPES[extname(path)];
    if (type === undefined) return undefined;
    try {
      if (!(await stat(path)).isFile()) return undefined;
      return { body: await readFile(path), type };
    } catch {
      return undefined;
    }
  };

  app.get('/', { schema: { hide: true }, prefixTrailingSlash: 'slash' }, async (_request, reply) => {
    const file = await serve(root, 'index.html');
    if (!file) return reply.callNotFound();
    return send(reply, file, options.contentSecurityPolicy);
  });
  if (app.prefix !== '') {
    // Under a path, the page's relative links (`web/console.js`, `api/config`) need the slash: `/tokenbridge` would
    // resolve them against the site's root.
    app.get('/', { schema: { hide: true }, prefixTrailingSlash: 'no-slash' }, async (request, reply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(`${app.prefix}/${query === -1 ? '' : request.url.slice(query)}`, 308);
    });
  }

  app.get<{ Params: { '*': string } }>('/web/*', { schema: { hide: true } }, async (request, reply) => {
    const file = await serve(root, request.params['*']);
    if (!file) return reply.callNotFound();
    return send(reply, file, options.contentSecurityPolicy);
  });

  app.get<{ Params: { '*': string } }>('/modules/*', { schema: { hide: true } }, async (request, reply) => {
    clientModules ??= moduleGraph(clientRoot, CLIENT_ENTRY);
    const relative = request.params['*'];
    if (!(await clientModules).has(relative)) return reply.callNotFound();
    const file = await serve(clientRoot, relative);
    if (!file) return reply.callNotFound();
    return send(reply, file, options.contentSecurityPolicy);
  });
}

/**
 * The modules `entry` reaches through its static imports, as paths relative to `root` (`client/index.js`,
 * `core/scopes.js`, …). Built ES modules only: `import … from './x.js'`, `export … from './x.js'`, `import './x.js'`.
 * Empty when the entry is not built.
 */
async function moduleGraph(root: string, entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const visit = async (relative: string): Promise<void> => {
    if (seen.has(relative) || relative.startsWith('..')) return;
    let source: string;
    try {
      source = await readFile(join(root, relative), 'utf8');
    } catch {
      return;
    }
    seen.add(relative);
    const specifiers = source.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g);
    const bare = source.matchAll(/(?:^|[;\s])import\s*['"](\.{1,2}\/[^'"]+)['"]/g);
    for (const match of [...specifiers, ...bare]) {
      await visit(posix.normalize(posix.join(posix.dirname(relative), match[1]!)));
    }
  };
  await visit(entry);
  return seen;
}

function send(reply: FastifyReply, file: { body: Buffer; type: string }, policy: string): FastifyReply {
  reply.type(file.type);
  reply.header('cache-control', 'no-cache');
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', policy);
  return reply.send(file.body);
}
