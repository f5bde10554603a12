// Loading the console's settings from the bridge and Clerk's sign-in (clerk-js) from the Frontend API they name.

import { el } from './dom.js';

/** `GET api/config` (next to the page): `{clerkPublishableKey, clerkProxyUrl, googleClientId, gsiClientUrl}`. */
export async function loadConfig() {
  let response;
  try {
    response = await fetch(new URL('api/config', location.href), { headers: { accept: 'application/json' } });
  } catch {
    throw new Error(`The bridge at ${location.origin} did not answer. Check that it is running, then try again.`);
  }
  if (!response.ok) throw new Error(`The bridge answered ${response.status} for /api/config. Try again in a moment.`);
  const raw = await response.json();
  const publishableKey = raw?.clerkPublishableKey;
  if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
    throw new Error('The bridge has no Clerk publishable key configured: set CLERK_PUBLISHABLE_KEY.');
  }
  return {
    publishableKey,
    proxyUrl: typeof raw.clerkProxyUrl === 'string' ? raw.clerkProxyUrl.replace(/\/+$/, '') : null,
    googleClientId: typeof raw.googleClientId === 'string' ? raw.googleClientId : null,
    gsiClientUrl: typeof raw.gsiClientUrl === 'string' ? raw.gsiClientUrl : 'https://accounts.google.com/gsi/client',
  };
}

/** The Frontend API host named by a publishable key: `pk_test_` + base64(`host$`). */
function frontendApi(publishableKey) {
  const encoded = publishableKey.split('_')[2] ?? '';
  const host = atob(encoded).replace(/\$$/, '');
  if (!/^([a-z0-9.-]+|\[::1\])(:\d+)?$/i.test(host)) throw new Error('The Clerk publishable key is not valid.');
  // Loopback Frontend APIs (the sandbox's Clerk emulator) speak plain HTTP; every real one is HTTPS.
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(host);
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

/**
 * Clerk's `<SignIn/>` in the console's colours, with targets a finger can hit (44 px) and no second card shadow
 * inside the page's card. Clerk's appearance API: https://clerk.com/docs/customization/overview
 */
export const SIGN_IN_APPEARANCE = {
  variables: { colorPrimary: '#0b57d0', fontSize: '1rem', borderRadius: '0.5rem' },
  elements: {
    cardBox: { boxShadow: 'none', border: '1px solid #d5d9de' },
    formFieldInput: { minHeight: '2.75rem' },
    formButtonPrimary: { minHeight: '2.75rem' },
    socialButtonsBlockButton: { minHeight: '2.75rem' },
  },
};

export async function loadClerk(config) {
  // Behind a proxy URL, clerk-js and every Frontend API call go there, as Clerk's SDKs do with `proxyUrl`.
  const fapi = config.proxyUrl ?? frontendApi(config.publishableKey);
  // clerk-js 6 ships its prebuilt UI as @clerk/ui; an emulator whose clerk-js draws its own UI may not serve it.
  // Loaded as Clerk's own loader does (crossorigin=anonymous); Google's script is loaded as Google documents it.
  await loadScript(`${fapi}/npm/@clerk/ui@1/dist/ui.browser.js`, { crossorigin: 'anonymous' }).catch(() => undefined);
  try {
    await loadScript(`${fapi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`, {
      crossorigin: 'anonymous',
      'data-clerk-publishable-key': config.publishableKey,
      ...(config.proxyUrl ? { 'data-clerk-proxy-url': config.proxyUrl } : {}),
    });
  } catch {
    throw new Error(await unreachableOrRefused(fapi, "Clerk's sign-in script"));
  }
  const clerk = window.Clerk;
  if (!clerk) throw new Error(`Clerk's sign-in script from ${fapi} did not start.`);
  const ClerkUI = window.__internal_ClerkUICtor;
  try {
    await clerk.load(ClerkUI ? { ui: { ClerkUI } } : {});
  } catch (error) {
    // Clerk answered with an error of its own: its words name the cause.
    if (error?.clerkError || Array.isArray(error?.errors)) {
      throw new Error(`Clerk refused to start sign-in: ${error.message}`);
    }
    throw new Error(await unreachableOrRefused(fapi, "Clerk's Frontend API"));
  }
  return clerk;
}

/**
 * Why a request to `origin` failed with no answer the page may read: the server is down, or it answered without
 * allowing this page's origin (CORS), which a browser reports exactly like a network failure. A no-cors request
 * tells them apart: it succeeds (opaquely) whenever the server answers at all.
 */
async function unreachableOrRefused(origin, what) {
  let reachable = false;
  try {
    await fetch(`${origin}/v1/environment`, { mode: 'no-cors', cache: 'no-store' });
    reachable = true;
  } catch {
    reachable = false;
  }
  if (!reachable) return `${what} at ${origin} could not be reached. Check that it is running, then try again.`;
  return (
    `${what} at ${origin} does not allow this page's origin (${location.origin}): a CORS/origin mismatch. ` +
    "Open the console at the bridge's public URL, or add this origin to Clerk's allowed origins."
  );
}
