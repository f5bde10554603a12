import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** The pseudo redirect URI of Google Identity Services' popup code flow. */
export const POSTMESSAGE_REDIRECT_URI = 'postmessage';

/** The `type` of the message the popup posts to its opener; the GIS script accepts nothing else. */
export const GSI_MESSAGE_TYPE = 'gsi:code_response';

/** What the popup hands back: a code response (`code`, `scope`, `state`, `authuser`, `prompt`, `hd`) or an error. */
export type CodeResponse = Record<string, string>;

/**
 * The origin a `postmessage` authorization request may answer to: the `origin` parameter the GIS script sends, and only
 * when it is one of the client's registered JavaScript origins. Returns undefined when it is not allowed.
 */
export function allowedPostMessageOrigin(javascriptOrigins: readonly string[], origin: string | undefined) {
  if (origin === undefined) return undefined;
  let normalised: string;
  try {
    normalised = new URL(origin).origin;
  } catch {
    return undefined;
  }
  // `new URL('http://x/path').origin` drops the path: an exact textual match keeps `origin=http://x/evil` out.
  if (normalised !== origin) return undefined;
  return javascriptOrigins.includes(origin) ? origin : undefined;
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/**
 * Ends a `postmessage` authorization in the popup: instead of a redirect, a page that posts the code response to the
 * window that opened it, addressed to the page's origin only (so no other site can read the code).
 * The GIS script in the opener closes the popup once it has the answer.
 */
export function sendGsiRelay(reply: FastifyReply, origin: string, response: CodeResponse): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signing you in…</title>
<style>body{font-family:system-ui,sans-serif;background:#f0f4f9;color:#1f1f1f;display:grid;place-items:center;min-height:90vh}</style>
</head>
<body>
<main data-page="gsi-relay"><p id="status" role="status">Returning to the app…</p></main>
<script type="application/json" id="gsi-response">${scriptJson({ origin, response })}</script>
<script nonce="${nonce}">
(function () {
  var data = JSON.parse(document.getElementById('gsi-response').textContent);
  var status = document.getElementById('status');
  if (!window.opener) {
    status.textContent = 'The app that opened this window is gone. You can close this window.';
    return;
  }
  window.opener.postMessage({ type: ${scriptJson(GSI_MESSAGE_TYPE)}, response: data.response }, data.origin);
  status.textContent = 'Done. You can close this window.';
})();
</script>
</body>
</html>
`;
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'`)
    .send(html);
}
