/** For the tests that run a README's commands as written: its shell lines, and a free port to run them on. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The shell commands of a markdown file's `sh` blocks, comments and blank lines left out. */
export function readmeCommands(file: string): string[] {
  const readme = readFileSync(file, 'utf8');
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    (block[1] ?? '').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')),
  );
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
