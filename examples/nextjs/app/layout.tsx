import { ClerkProvider } from '@clerk/nextjs';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = { title: 'Notes · Tokenbridge example' };

// ClerkProvider reads NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY and, against the sandbox, NEXT_PUBLIC_CLERK_PROXY_URL: it loads
// clerk-js and Clerk's components from there.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <ClerkProvider signInUrl="/sign-in" signUpUrl="/sign-up">
      <html lang="en">
        <body>{children}</body>
      </html>
    </ClerkProvider>
  );
}
