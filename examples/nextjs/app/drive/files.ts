// A Server Component's or Server Action's data: the user's Drive files, or the link that connects Google.
import { tokenbridge } from '../../lib/tokenbridge.js';

export async function driveFiles(): Promise<{ files: Array<{ id: string; name: string }> } | { connectUrl: string }> {
  const result = await tokenbridge.googleToken(['drive.readonly']);
  if (!result.ok) return { connectUrl: result.connectUrl ?? '/sign-in' };
  const response = await fetch('https://www.googleapis.com/drive/v3/files?pageSize=10', {
    headers: { authorization: `Bearer ${result.token.accessToken}` },
  });
  return (await response.json()) as { files: Array<{ id: string; name: string }> };
}
