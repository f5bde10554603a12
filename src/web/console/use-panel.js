// "Use it from your app": the calls an app makes for what the page just did, in the browser and on a server.

import { $, el } from './dom.js';
import { state } from './state.js';

export function renderUsePanel() {
  const userId = state.clerk.user?.id ?? 'user_123';
  const scopes = state.lastScopes.map((s) => `'${s}'`).join(', ');
  // Mounted under a path (PUBLIC_URL=https://app.example.com/tokenbridge), an app's pages name it as the client's base.
  const mount = new URL('.', location.href).pathname.replace(/\/+$/, '');
  const baseUrl = mount === '' ? '' : `baseUrl: '${mount}', `;
  $('use-browser').textContent = [
    "import { createTokenbridgeClient } from 'tokenbridge/client';",
    `const bridge = createTokenbridgeClient({ ${baseUrl}getSessionToken: () => Clerk.session.getToken() });`,
    `const result = await bridge.getGoogleToken([${scopes}]);`,
    '// result.ok ? result.token.accessToken : result.connect() (asks the user for what is missing)',
  ].join('\n');
  const query = state.lastScopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&');
  const base = new URL('.', location.href).href.replace(/\/+$/, '');
  const lines = [
    '// With the library, in your backend:',
    `const { accessToken } = await bridge.getAccessToken('${userId}', { scopes: [${scopes}] });`,
    '',
    '# Or over HTTP, with an API key from TOKENBRIDGE_API_KEYS:',
    'curl -H "Authorization: Bearer $TOKENBRIDGE_API_KEY" \\\n  ',
  ].join('\n');
  // The URL is kept whole: on a narrow screen the block scrolls rather than breaking it at a hyphen.
  const url = el('span', { class: 'nowrap', text: `"${base}/api/users/${userId}/google-token?${query}"` });
  $('use-server').replaceChildren(lines, url);
}
