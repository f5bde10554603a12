// A Pages Router API route: the user's Drive files as JSON, with the token `googleToken(req, …)` gives for the user
// `getAuth(req)` names. (The bridge's own routes stay in app/api/tokenbridge; a Pages-only app serves them from
// pages/api/tokenbridge/[...path].ts with `export default tokenbridge.pages.handler`.)
import type { NextApiRequest, NextApiResponse } from 'next';
import { listDriveFiles } from '../../lib/google-apis';
import { tokenbridge } from '../../lib/tokenbridge';

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const result = await tokenbridge.pages.googleToken(req, ['drive.readonly']);
  if (!result.ok) {
    const { ok: _, status, ...error } = result;
    res.status(status).json({ error });
    return;
  }
  res.setHeader('cache-control', 'no-store');
  res.json({ files: await listDriveFiles(result.token.accessToken) });
}
