// GET /api/google/connect?scope=drive.readonly&return_to=/files: sends the user to Google's consent screen.
import { errorResponse, signedInUser, tokenBridge } from '../../../../lib/tokenbridge.js';

export async function GET(request: Request): Promise<Response> {
  try {
    const userId = await signedInUser(request);
    const url = new URL(request.url);
    const bridge = await tokenBridge();
    // PKCE, offline access, incremental consent and a single-use state bound to this user, all by the bridge.
    const start = await bridge.createAuthorizationUrl({
      userId,
      scopes: url.searchParams.getAll('scope'),
      returnTo: url.searchParams.get('return_to') ?? '/',
    });
    return Response.redirect(start.url, 302);
  } catch (error) {
    return errorResponse(error);
  }
}
