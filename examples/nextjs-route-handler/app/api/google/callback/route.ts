// GET /api/google/callback: Google sends the user back here (register this URL as the OAuth client's redirect URI).
import { errorResponse, signedInUser, tokenBridge } from '../../../../lib/tokenbridge.js';

export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const back = (path: string) => new Response(null, { status: 302, headers: { location: path } });
  // The user declined, or Google refused: back to the app with the reason, nothing stored.
  const denied = url.searchParams.get('error');
  if (denied) return back(`/?google_error=${encodeURIComponent(denied)}`);
  try {
    const userId = await signedInUser(request);
    const bridge = await tokenBridge();
    const { returnTo } = await bridge.completeAuthorization({
      userId,
      state: url.searchParams.get('state') ?? '',
      code: url.searchParams.get('code') ?? '',
    });
    // returnTo is always a same-origin relative path (the bridge refuses anything else when the flow starts).
    return back(returnTo);
  } catch (error) {
    return errorResponse(error);
  }
}
