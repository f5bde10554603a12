'use client';

// The "Connect Google" button, drawn from tokenbridge/client: it sends the browser to Google's consent for `scopes`
// through the bridge's routes and back to this page, where the Server Components read Google again.
import { createTokenbridgeClient } from 'tokenbridge/client';

const tokenbridge = createTokenbridgeClient({ baseUrl: '/api/tokenbridge' });

export function ConnectGoogle({ scopes, label }: { scopes: string[]; label: string }) {
  return (
    <button type="button" onClick={() => tokenbridge.connect(scopes)}>
      {label}
    </button>
  );
}
