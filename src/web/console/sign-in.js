// Loading the console's settings from the bridge and Clerk's sign-in (clerk-js) from the Frontend API they name.

import { el } from './dom.js';

/** `GET api/config` (next to the page): `{clerkPublishableKey, googleClientId, gsiClientUrl}`. */
export async function loadConfig() {
  const response = await fetch(new URL('api/config', location.href), { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the bridge answered ${response.status} for /api/config`);
  const raw = await response.json();
  const publishableKey = raw?.clerkPublishableKey;
  if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
    throw new Error('the bridge has no Clerk publishable key configured (CLERK_PUBLISHABLE_KEY)');
  }
  return {
    publishableKey,
    googleClientId: typeof raw.googleClientId === 'string' ? raw.googleClientId : null,
    gsiClientUrl: typeof raw.gsiClientUrl === 'string' ? raw.gsiClientUrl : 'https://accounts.google.com/gsi/client',
  };
}

/** The Frontend API host named by a publishable key: `pk_test_` + base64(`host$`). */
function frontendApi(publishableKey) {
  const encoded = publishableKey.split('_')[2] ?? '';
  const host = atob(encoded).replace(/\$$/, '');
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) throw new Error('the Clerk publishable key is not valid');
  // Loopback Frontend APIs (the sandbox's Clerk emulator) speak plain HTTP; every real one is HTTPS.
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/i.test(host);
  return `${loopback ? 'http' : 'https'}://${host}`;
}

export function loadScript(src, attrs = {}) {
  return new Promise((resolve, reject) => {
    const script = el('script', { src, ...attrs });
    script.async = true;
    script.addEventListener('load', () => resolve(script));
    script.addEventListener('error', () => reject(new Error(`could not load ${new URL(src).host}`)));
    document.head.append(script);
  });
}

export async function loadClerk(config) {
  const fapi = frontendApi(config.publishableKey);
  // clerk-js 6 ships its prebuilt UI as @clerk/ui; an emulator whose clerk-js draws its own UI may not serve it.
  // Loaded as Clerk's own loader does (crossorigin=anonymous); Google's script is loaded as Google documents it.
  await loadScript(`${fapi}/npm/@clerk/ui@1/dist/ui.browser.js`, { crossorigin: 'anonymous' }).catch(() => undefined);
  await loadScript(`${fapi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`, {
    crossorigin: 'anonymous',
    'data-clerk-publishable-key': config.publishableKey,
  });
  const clerk = window.Clerk;
  if (!clerk) throw new Error('clerk-js did not start');
  const ClerkUI = window.__internal_ClerkUICtor;
  await clerk.load(ClerkUI ? { ui: { ClerkUI } } : {});
  return clerk;
}
