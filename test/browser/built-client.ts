import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let built: Promise<string> | undefined;

/**
 * The browser client (`src/client`) compiled as `npm run build` compiles it, into a folder of this process's own
 * (never ./dist, which a build beside the suite may be writing): what the console is served from in these tests.
 * Built once per test process; the folder goes when the process exits.
 */
export function builtClient(): Promise<string> {
  built ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'tokenbridge-client-'));
    process.once('exit', () => rmSync(out, { recursive: true, force: true }));
    const config = join(out, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(REPO, 'tsconfig.build.json'),
        compilerOptions: {
          rootDir: join(REPO, 'src'),
          outDir: out,
          declaration: false,
          sourceMap: false,
          typeRoots: [join(REPO, 'node_modules/@types')],
        },
        include: [],
        files: [join(REPO, 'src/client/index.ts')],
      }),
    );
    await promisify(execFile)(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', config]);
    return out;
  })();
  return built;
}
