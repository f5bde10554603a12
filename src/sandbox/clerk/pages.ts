import type { UserRecord } from './model.js';

/** Escapes text for HTML content and attribute values. */
export function html(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f4f5;margin:0;display:flex;justify-content:center}
main{background:#fff;margin:48px 16px;padding:32px;border-radius:12px;box-shadow:0 1px 4px #0002;width:380px}
h1{font-size:20px;margin:0 0 4px}p.sub{color:#555;margin:0 0 20px}label{display:block;font-size:14px;margin:12px 0 4px}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #ccc;border-radius:6px}
button{width:100%;padding:10px;margin-top:12px;border-radius:6px;border:1px solid #333;background:#111;color:#fff;cursor:pointer}
button.alt{background:#fff;color:#111}.users button{background:#fff;color:#111;text-align:left}
.error{color:#b00020;background:#fde8ec;padding:8px;border-radius:6px}hr{margin:24px 0;border:none;border-top:1px solid #ddd}
code{word-break:break-all;font-size:12px}#scopes-hint{margin:6px 0 0;font-size:13px;overflow-wrap:break-word}`;

function page(title: string, kind: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html(title)}</title><style>${STYLE}</style></head>
<body><main data-page="${kind}">${body}</main></body></html>
`;
}

/** The sign-in page: pick a test user, sign in (or up) by email, or continue with Google. */
export function signInPage(params: {
  redirectUrl: string;
  users: UserRecord[];
  error?: string;
  defaultScopes: string[];
}): string {
  const redirect = `<input type="hidden" name="redirect_url" value="${html(params.redirectUrl)}">`;
  const error =
    params.error === undefined ? '' : `<p class="error" data-error="${html(params.error)}">${html(params.error)}</p>`;
  const users =
    params.users.length === 0
      ? ''
      : `<form method="post" action="/sign-in" class="users" data-form="pick">${redirect}
${params.users
  .slice(0, 20)
  .map((u) => {
    const email = u.emailAddresses.find((e) => e.id === u.primaryEmailAddressId)?.emailAddress ?? '';
    return `<button type="submit" name="email_address" value="${html(email)}">${html(email)}</button>`;
  })
  .join('\n')}
</form><hr>`;
  return page(
    'Sign in – Clerk sandbox',
    'sign-in',
    `<h1>Sign in</h1><p class="sub">Clerk sandbox: no password, any email.</p>${error}
${users}<form method="post" action="/sign-in" data-form="email">${redirect}
<label for="email">Email address</label><input id="email" type="email" name="email_address" required autocomplete="email">
<button type="submit">Continue</button></form>
<hr><form method="get" action="/sign-in/google" data-form="google">${redirect}
<label for="scopes">Extra Google scopes (space-separated, optional)</label>
<input id="scopes" type="text" name="additional_scope" aria-describedby="scopes-hint">
<p class="sub" id="scopes-hint">For example https://www.googleapis.com/auth/drive.readonly. Always asked: ${html(params.defaultScopes.join(' '))}.</p>
<button type="submit" class="alt">Continue with Google</button></form>`,
  );
}

/** The emulator's own landing page: who is signed in on this browser. */
export function homePage(params: { user?: UserRecord; sessionId?: string; publishableKey: string }): string {
  const who =
    params.user === undefined
      ? `<p>Nobody is signed in on this browser.</p><form method="get" action="/sign-in"><button type="submit">Sign in</button></form>`
      : `<p>Signed in as <strong data-user-id="${html(params.user.id)}">${html(
          params.user.emailAddresses[0]?.emailAddress ?? params.user.id,
        )}</strong> (session <code>${html(params.sessionId ?? '')}</code>).</p>
<form method="post" action="/sign-out"><button type="submit" class="alt">Sign out</button></form>`;
  return page(
    'Clerk sandbox',
    'home',
    `<h1>Clerk sandbox</h1><p class="sub">Publishable key <code>${html(params.publishableKey)}</code></p>${who}`,
  );
}

/** An error page of the hosted flow (a bad redirect_url, an unknown OAuth state…). */
export function errorPage(code: string, message: string): string {
  return page(
    'Error – Clerk sandbox',
    'error',
    `<h1>Something went wrong</h1><p class="error" data-error="${html(code)}">${html(message)}</p>`,
  );
}
