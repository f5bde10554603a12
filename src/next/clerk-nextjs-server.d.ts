// The part of `@clerk/nextjs/server` the Next adapter calls, declared here because @clerk/nextjs is an optional peer
// dependency that is not installed where this package is built. Not part of the published declarations.
declare module '@clerk/nextjs/server' {
  export function auth(): Promise<{ userId: string | null; sessionId?: string | null }>;
}
