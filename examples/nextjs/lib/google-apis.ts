// Google's APIs as the app calls them, with the token googleToken() handed out. `GOOGLE_BASE_URL` points them at the
// sandbox's Google emulator; unset, they are Google's own hosts.
const apis = process.env.GOOGLE_BASE_URL ?? 'https://www.googleapis.com';
const gmail = process.env.GOOGLE_BASE_URL ?? 'https://gmail.googleapis.com';

/** Google answered 401: the token no longer works (revoked at Google, or expired early). */
export class GoogleRefusedToken extends Error {}

async function get<T>(url: string, accessToken: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` }, cache: 'no-store' });
  if (response.status === 401) throw new GoogleRefusedToken('Google refused the access token.');
  if (!response.ok) throw new Error(`Google answered ${response.status} for ${new URL(url).pathname}`);
  return (await response.json()) as T;
}

export interface DriveFile {
  id: string;
  name: string;
}

export async function listDriveFiles(accessToken: string): Promise<DriveFile[]> {
  const page = await get<{ files?: DriveFile[] }>(
    `${apis}/drive/v3/files?pageSize=10&fields=files(id,name)`,
    accessToken,
  );
  return page.files ?? [];
}

export interface GmailLabel {
  id: string;
  name: string;
}

export async function listGmailLabels(accessToken: string): Promise<GmailLabel[]> {
  const page = await get<{ labels?: GmailLabel[] }>(`${gmail}/gmail/v1/users/me/labels`, accessToken);
  return page.labels ?? [];
}
