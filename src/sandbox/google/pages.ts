/** The HTML pages of the consent flow. Plain forms: they work without JavaScript and load nothing external. */

import type { GoogleAccount } from './accounts.js';
import { describeScope } from './scopes.js';

export const CHOOSER_ACTION = '/o/oauth2/v2/auth/chooser';
export const CONSENT_ACTION = '/o/oauth2/v2/auth/consent';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f0f4f9;color:#1f1f1f;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:1.75rem;padding:2.25rem}
h1{font-size:1.6rem;font-weight:400;margin:0 0 .5rem}
p.lead{margin:0 0 1.5rem;color:#444}
.accounts{list-style:none;padding:0;margin:0}
.accounts li{border-bottom:1px solid #e3e3e3}
.accounts button{width:100%;text-align:left;background:none;border:0;padding:.9rem .5rem;font:inherit;cursor:pointer}
.accounts button:hover,.accounts button:focus{background:#f3f6fc}
.name{display:block;font-weight:500}.email{display:block;color:#555;font-size:.9rem}
fieldset{border:0;padding:0;margin:0 0 1.5rem}
legend{font-weight:500;margin-bottom:.75rem}
.scope{display:flex;gap:.75rem;align-items:flex-start;padding:.6rem 0;border-bottom:1px solid #eee}
.scope input{width:1.2rem;height:1.2rem;margin-top:.15rem}
ul.granted{color:#444;padding-left:1.2rem}
.actions{display:flex;justify-content:flex-end;gap:.75rem}
.actions button{border-radius:1.25rem;padding:.6rem 1.5rem;font:inherit;cursor:pointer;border:1px solid #747775;background:#fff;color:#0b57d0}
.actions button.primary{background:#0b57d0;color:#fff;border-color:#0b57d0}
.error{color:#b3261e}
code{word-break:break-all}
`;

function layout(title: string, body: string, attrs = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main${attrs}>
${body}
</main>
</body>
</html>
`;
}

/** The account chooser: one "Continue as <email>" button per account. */
export function chooserPage(requestId: string, clientName: string, accounts: readonly GoogleAccount[]): string {
  const items = accounts
    .map(
      (a) => `<li><button type="submit" name="account" value="${escapeHtml(a.email)}">
<span class="name">${escapeHtml(a.name)}</span> <span class="email">Continue as ${escapeHtml(a.email)}</span></button></li>`,
    )
    .join('\n');
  return layout(
    'Sign in - Google Accounts',
    `<h1>Choose an account</h1>
<p class="lead">to continue to <strong>${escapeHtml(clientName)}</strong></p>
<form method="post" action="${CHOOSER_ACTION}">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
<ul class="accounts">
${items}
</ul>
</form>`,
    ' data-page="chooser"',
  );
}

/** The consent screen: a checkbox per scope the user may grant or not, then Allow / Cancel. */
export function consentPage(options: {
  requestId: string;
  clientName: string;
  account: GoogleAccount;
  /** Scopes the user may tick, with whether each is ticked. */
  choices: Array<{ scope: string; checked: boolean }>;
  /** Scopes granted anyway (sign-in scopes, and those granted before). */
  alreadyGranted: string[];
}): string {
  const boxes = options.choices
    .map(
      (
        c,
        i,
      ) => `<div class="scope"><input type="checkbox" id="scope-${i}" name="scope" value="${escapeHtml(c.scope)}"${c.checked ? ' checked' : ''}>
<label for="scope-${i}">${escapeHtml(describeScope(c.scope))}</label></div>`,
    )
    .join('\n');
  const granted = [...new Set(options.alreadyGranted.map(describeScope))]
    .map((d) => `<li>${escapeHtml(d)}</li>`)
    .join('\n');
  const choose =
    options.choices.length === 0
      ? ''
      : `<fieldset>
<legend>Select what ${escapeHtml(options.clientName)} can access</legend>
${boxes}
</fieldset>`;
  return layout(
    `${options.clientName} wants access to your Google Account`,
    `<h1>${escapeHtml(options.clientName)} wants access to your Google Account</h1>
<p class="lead">${escapeHtml(options.account.email)}</p>
<form method="post" action="${CONSENT_ACTION}">
<input type="hidden" name="request" value="${escapeHtml(options.requestId)}">
${granted === '' ? '' : `<p>${escapeHtml(options.clientName)} will be able to:</p>\n<ul class="granted">\n${granted}\n</ul>`}
${choose}
<div class="actions">
${options.choices.length > 1 ? '<button type="submit" name="action" value="select_all">Select all</button>' : ''}
<button type="submit" name="action" value="cancel">Cancel</button>
<button type="submit" name="action" value="allow" class="primary">Allow</button>
</div>
</form>`,
    ' data-page="consent"',
  );
}

/** An error shown on Google's own page (never redirected), such as `redirect_uri_mismatch`. */
export function errorPage(status: number, error: string, description: string, details: Record<string, string> = {}) {
  const rows = Object.entries(details)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}=${escapeHtml(v)}</code></li>`)
    .join('\n');
  return layout(
    `Error ${status}: ${error}`,
    `<h1>Access blocked: this request is invalid</h1>
<p class="error" role="alert">Error ${status}: <strong>${escapeHtml(error)}</strong></p>
<p>${escapeHtml(description)}</p>
${rows === '' ? '' : `<p>Request details:</p>\n<ul>\n${rows}\n</ul>`}`,
    ` data-page="error" data-error="${escapeHtml(error)}"`,
  );
}
