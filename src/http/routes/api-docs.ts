import type { FastifyInstance } from 'fastify';

interface OpenApiDocument {
  openapi?: string;
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, OpenApiOperation>>;
}

interface OpenApiOperation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * `GET /docs`: the OpenAPI document as one readable, self-contained HTML page (no scripts, no external styles or
 * fonts), rendered on the server from the same document `/openapi.json` serves.
 */
export async function apiDocsRoutes(app: FastifyInstance): Promise<void> {
  let cached: string | undefined;
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    cached ??= renderDocs(app.swagger() as OpenApiDocument);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .send(cached);
  });
}

/** The page for an OpenAPI document. */
export function renderDocs(doc: OpenApiDocument): string {
  const title = doc.info?.title ?? 'API';
  const sections: string[] = [];
  const toc: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
      toc.push(`<li><a href="#${id}"><span class="m ${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`);
      sections.push(renderOperation(id, method, path, op));
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
header{padding:24px 32px;background:#fff;border-bottom:1px solid #e1e4e8}
main{display:flex;gap:32px;padding:24px 32px;max-width:1200px}
nav{flex:0 0 300px;position:sticky;top:16px;align-self:flex-start;font-size:13px}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:4px 0}nav a{color:inherit;text-decoration:none}
section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:16px 20px;margin-bottom:20px}
h2{font-size:17px;margin:0 0 6px;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:52px;font:600 12px ui-monospace,monospace;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.delete{color:#cf222e}.put,.patch{color:#9a6700}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{text-align:left;padding:4px 8px;border-top:1px solid #eee;vertical-align:top}
pre{background:#f6f8fa;padding:10px;border-radius:6px;overflow:auto;font-size:12px;white-space:pre-wrap}
details summary{cursor:pointer}
@media (max-width:800px){main{flex-direction:column}nav{position:static}}
</style></head><body>
<header><h1>${esc(title)} <small>${esc(doc.info?.version ?? '')}</small></h1>
<p>${esc(doc.info?.description ?? '')}</p>
<p>OpenAPI ${esc(doc.openapi ?? '')} document: <a href="openapi.json">openapi.json</a>. Errors are
<code>{"error":{"code","message",…}}</code>.</p></header>
<main><nav><ul>${toc.join('')}</ul></nav><div>${sections.join('\n')}</div></main>
</body></html>`;
}

function renderOperation(id: string, method: string, path: string, op: OpenApiOperation): string {
  const parts = [`<section id="${id}"><h2><span class="m ${method}">${method}</span> ${esc(path)}</h2>`];
  if (op.summary) parts.push(`<p>${esc(op.summary)}</p>`);
  if (op.description) parts.push(`<p>${esc(op.description)}</p>`);
  if (op.parameters?.length) {
    parts.push('<h3>Parameters</h3><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr>');
    for (const p of op.parameters) {
      parts.push(
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td>` +
          `<td><code>${esc(JSON.stringify(p.schema ?? {}))}</code></td></tr>`,
      );
    }
    parts.push('</table>');
  }
  const body = op.requestBody?.content;
  if (body) {
    for (const [type, media] of Object.entries(body)) {
      parts.push(`<h3>Request body <small>${esc(type)}</small></h3><pre>${esc(pretty(media.schema))}</pre>`);
    }
  }
  if (op.responses) {
    parts.push('<h3>Responses</h3>');
    for (const [status, response] of Object.entries(op.responses)) {
      const schema = Object.values(response.content ?? {})[0]?.schema;
      parts.push(
        `<details><summary><strong>${esc(status)}</strong> ${esc(response.description ?? '')}</summary>` +
          (schema ? `<pre>${esc(pretty(schema))}</pre>` : '') +
          '</details>',
      );
    }
  }
  parts.push('</section>');
  return parts.join('');
}

function pretty(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}

function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
