/** The part of Google Identity Services' `google.accounts.oauth2` that the popup connect uses. */
export interface GisOauth2 {
  initCodeClient(config: {
    client_id: string;
    scope: string;
    ux_mode: 'popup';
    include_granted_scopes?: boolean;
    login_hint?: string;
    callback: (response: { code?: string; scope?: string; error?: string; error_description?: string }) => void;
    error_callback?: (error: { type: string; message?: string }) => void;
  }): { requestCode(): void };
}

/** What Google's popup answered: a code for the bridge, or why there is none. */
export type PopupCode = { code: string } | { error: string };

/** `google.accounts.oauth2` as loaded by `<script src="https://accounts.google.com/gsi/client">`, if it is. */
export function globalGis(): GisOauth2 | undefined {
  const google = (globalThis as { google?: { accounts?: { oauth2?: GisOauth2 } } }).google;
  return google?.accounts?.oauth2;
}

/**
 * Opens Google's consent popup with the code model and resolves with its answer. `requestCode` runs synchronously,
 * inside the caller's click handler, because browsers block popups opened after an `await`.
 */
export function requestPopupCode(gis: GisOauth2, clientId: string, scopes: readonly string[]): Promise<PopupCode> {
  return new Promise((resolve) => {
    const codeClient = gis.initCodeClient({
      client_id: clientId,
      // The bridge always links the Google account, so the grant must carry the identity scopes too.
      scope: [...new Set(['openid', 'email', ...scopes])].join(' '),
      ux_mode: 'popup',
      include_granted_scopes: true,
      callback: (response) => {
        if (typeof response.code === 'string' && response.code !== '') resolve({ code: response.code });
        else resolve({ error: response.error ?? 'no_code' });
      },
      error_callback: (error) => resolve({ error: error.type || 'popup_failed' }),
    });
    codeClient.requestCode();
  });
}
