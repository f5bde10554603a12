import { UserButton } from '@clerk/nextjs';
import { auth } from '@clerk/nextjs/server';
import Link from 'next/link';
import { listDriveFiles, listGmailLabels } from '../lib/google-apis';
import { type Refusal, withGoogle } from '../lib/with-google';
import { ConnectGoogle } from './connect-google';

// Every request reads the user's Google data afresh.
export const dynamic = 'force-dynamic';

const DRIVE = ['drive.readonly'];
const GMAIL = ['gmail.readonly'];

export default async function Home() {
  const { userId } = await auth();
  if (!userId) {
    return (
      <main>
        <h1>Notes</h1>
        <p>Sign in to see your Google Drive files here.</p>
        <p>
          <Link className="button" href="/sign-in">
            Sign in
          </Link>{' '}
          or{' '}
          <Link className="button" href="/sign-up">
            Sign up
          </Link>
        </p>
      </main>
    );
  }
  return (
    <main>
      <header>
        <h1>Notes</h1>
        <UserButton />
      </header>
      <DriveFiles />
      <GmailLabels />
    </main>
  );
}

async function DriveFiles() {
  const files = await withGoogle(DRIVE, listDriveFiles);
  return (
    <section aria-labelledby="drive">
      <h2 id="drive">Drive files</h2>
      {files.ok ? (
        <ul>
          {files.value.map((file) => (
            <li key={file.id}>{file.name}</li>
          ))}
        </ul>
      ) : (
        <Prompt refusal={files} scopes={DRIVE} what="your Drive files" />
      )}
    </section>
  );
}

async function GmailLabels() {
  const labels = await withGoogle(GMAIL, listGmailLabels);
  return (
    <section aria-labelledby="gmail">
      <h2 id="gmail">Gmail labels</h2>
      {labels.ok ? (
        <ul>
          {labels.value.map((label) => (
            <li key={label.id}>{label.name}</li>
          ))}
        </ul>
      ) : (
        <Prompt refusal={labels} scopes={GMAIL} what="your Gmail labels" />
      )}
    </section>
  );
}

/** What the user can do about a refusal: connect, reconnect, or grant one more scope. */
function Prompt({ refusal, scopes, what }: { refusal: Refusal; scopes: string[]; what: string }) {
  switch (refusal.code) {
    case 'not_connected':
      return (
        <p>
          Connect your Google account to see {what}. <ConnectGoogle scopes={scopes} label="Connect Google" />
        </p>
      );
    case 'scopes_missing':
      return (
        <p>
          Allow access to {what} too. <ConnectGoogle scopes={scopes} label="Allow access" />
        </p>
      );
    case 'reconnect_required':
      return (
        <p role="alert">
          Google no longer gives this app access ({refusal.reason ?? 'revoked'}).{' '}
          <ConnectGoogle scopes={scopes} label="Reconnect Google" />
        </p>
      );
    default:
      return <p role="alert">{refusal.message}</p>;
  }
}
