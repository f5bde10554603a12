// GET /api/drive/files: the signed-in user's ten most recent Drive files, read with a token from the bridge.
import { errorResponse, googleApisUrl, signedInUser, tokenBridge } from '../../../../lib/tokenbridge.js';

export async function GET(request: Request): Promise<Response> {
  try {
    const userId = await signedInUser(request);
    const bridge = await tokenBridge();
    // Fresh (refreshed ahead of expiry if needed) and checked to carry the scope; else a typed error with a
    // connect URL (scopes_missing, not_connected, reconnect_required) that errorResponse turns into JSON.
    const { accessToken } = await bridge.getAccessToken(userId, { scopes: ['drive.readonly'] });
    const drive = await fetch(`${googleApisUrl()}/drive/v3/files?pageSize=10&orderBy=modifiedTime desc`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!drive.ok) return Response.json({ error: { code: 'drive_error', status: drive.status } }, { status: 502 });
    const { files } = (await drive.json()) as { files: Array<{ id: string; name: string; mimeType: string }> };
    return Response.json({ files }, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
