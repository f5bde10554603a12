// Tokenbridge as a library inside an Express 5 app. In your app import from 'tokenbridge' instead of the relative path.
import { verifyToken } from '@clerk/backend';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type TokenBridge, TokenBridgeError, UnauthenticatedError } from '../../src/index.js';

export interface AppOptions {
  bridge: TokenBridge;
  /** The app's public origin, e.g. https://app.example.com (Clerk's authorized party). */
  appUrl: string;
  clerk: { secretKey: string; apiUrl?: string };
  /** Google's APIs: https://www.googleapis.com, or the sandbox emulator. */
  googleApisUrl?: string;
}

/**
 * The Express app: `/drive/files` reads Drive with a token from the bridge; `/connect/google` and
 * `/oauth/google/callback` run the consent flow. Every bridge error answers `{error:{code,message,connectUrl…}}`.
 */
export function createApp(options: AppOptions): express.Express {
  const { bridge } = options;
  const app = express();

  // The signed-in Clerk user: `Authorization: Bearer <session token>` or the `__session` cookie.
  const requireUser = async (req: Request, res: Response, next: NextFunction) => {
    const bearer = req.get('authorization')?.replace(/^Bearer\s+/i, '');
    const cookie = /(?:^|;\s*)__session=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
    const token = bearer || cookie;
    try {
      if (!token) throw new UnauthenticatedError();
      const claims = await verifyToken(token, {
        secretKey: options.clerk.secretKey,
        ...(options.clerk.apiUrl ? { apiUrl: options.clerk.apiUrl } : {}),
        authorizedParties: [new URL(options.appUrl).origin],
      }).catch(() => {
        throw new UnauthenticatedError('The session token did not verify.');
      });
      res.locals.userId = claims.sub;
      next();
    } catch (error) {
      next(error);
    }
  };

  app.get('/drive/files', requireUser, async (_req, res) => {
    const { accessToken } = await bridge.getAccessToken(res.locals.userId as string, { scopes: ['drive.readonly'] });
    const drive = await fetch(`${options.googleApisUrl ?? 'https://www.googleapis.com'}/drive/v3/files?pageSize=10`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!drive.ok) {
      res.status(502).json({ error: { code: 'drive_error', status: drive.status } });
      return;
    }
    const { files } = (await drive.json()) as { files: Array<{ id: string; name: string }> };
    res.set('cache-control', 'no-store').json({ files });
  });

  app.get('/connect/google', requireUser, async (req, res) => {
    const scope = req.query.scope;
    const scopes = (Array.isArray(scope) ? scope : [scope]).filter((s): s is string => typeof s === 'string');
    const returnTo = typeof req.query.return_to === 'string' ? req.query.return_to : '/';
    const start = await bridge.createAuthorizationUrl({ userId: res.locals.userId as string, scopes, returnTo });
    res.redirect(302, start.url);
  });

  app.get('/oauth/google/callback', async (req, res, next) => {
    if (typeof req.query.error === 'string') {
      res.redirect(302, `/?google_error=${encodeURIComponent(req.query.error)}`);
      return;
    }
    await requireUser(req, res, async (error?: unknown) => {
      if (error) return next(error);
      try {
        const { returnTo } = await bridge.completeAuthorization({
          userId: res.locals.userId as string,
          state: String(req.query.state ?? ''),
          code: String(req.query.code ?? ''),
        });
        res.redirect(302, returnTo);
      } catch (failure) {
        next(failure);
      }
    });
  });

  // Express 5 passes rejected promises from handlers here.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof TokenBridgeError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, ...error.details } });
      return;
    }
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong.' } });
  });
  return app;
}
