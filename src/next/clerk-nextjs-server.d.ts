// The part of `@clerk/nextjs/server` the Next adapter calls. tsconfig's `paths` points the import here, so the adapter
// compiles the same whether @clerk/nextjs (an optional peer dependency) is installed or not, and its types (which bring
// Next's global declarations) never reach this package's own code. Not part of the published declarations.
export function auth(): Promise<{ userId: string | null; sessionId?: string | null }>;
export function getAuth(req: unknown): { userId: string | null; sessionId?: string | null };
