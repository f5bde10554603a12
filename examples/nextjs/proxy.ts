// Next.js 16's request proxy (formerly middleware.ts): Clerk's middleware authenticates every request, and runs the
// development handshake that renews a stale session on a page load.
import { clerkMiddleware } from '@clerk/nextjs/server';

export default clerkMiddleware();

export const config = {
  matcher: ['/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico)).*)', '/(api|trpc)(.*)'],
};
