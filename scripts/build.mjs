#!/usr/bin/env node
/**
 * Builds the package into dist/: the compiled JavaScript and declarations (tsc -p tsconfig.build.json), and every
 * file of src/ that tsc does not compile copied to the same place (the console in src/web, the Google emulator's
 * browser script), so the built code reads its assets beside itself and needs nothing from src/.
 *
 *   node scripts/build.mjs               build now (prepack, npm run build)
 *   node scripts/build.mjs --if-stale    build only when a source changed since the last build (npm start)
 *   node scripts/build.mjs --out-dir D   build into D instead of dist/ (tests that must not race ./dist)
 *   --if-typescript                      do nothing when TypeScript is not installed (prepare, under npm ci --omit=dev)
 *
 * The build is written to a folder of its own and moved into place when complete, so a process starting from dist/
 * meanwhile never sees it half-written. The stamp (dist/.build-stamp) carries the time the build began: a source
 * saved during the build is newer than it, and the next --if-stale run builds again.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = '.build-stamp';
/** What the build reads: a change to any of them (a file added, edited or deleted) makes dist/ stale. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'];

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out-dir');
const outDir = resolve(ROOT, outIndex >= 0 ? (args[outIndex + 1] ?? 'dist') : 'dist');

const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

if (args.includes('--if-stale') && !isStale(outDir)) process.exit(0);
if (args.includes('--if-typescript') && !existsSync(TSC)) {
  process.stderr.write('TypeScript is not installed (a development dependency): not building.\n');
  process.exit(0);
}
await build(outDir);

/** True when dist/ has no stamp, or when any input (or a folder holding one, which a deletion touches) is newer. */
function isStale(dir) {
  let built;
  try {
    built = statSync(join(dir, STAMP)).mtimeMs;
  } catch {
    return true;
  }
  return INPUTS.some((input) => newerThan(join(ROOT, input), built));
}

function newerThan(path, time) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return false;
  }
  if (stat.mtimeMs > time) return true;
  if (!stat.isDirectory()) return false;
  return readdirSync(path).some((name) => newerThan(join(path, name), time));
}

/**
 * Copies the browser builds of @clerk/clerk-js and @clerk/ui (development dependencies) beside the Clerk emulator, with
 * their licences, so an installed package's emulator serves them: only the entry and its own build's chunks, as the
 * emulator serves them (`src/sandbox/clerk/browser-bundles.ts` decides which, from the installed packages).
 */
async function vendorClerkBundles(partial) {
  const { findBundle } = await import(pathToFileURL(join(partial, 'sandbox', 'clerk', 'browser-bundles.js')).href);
  for (const pkg of ['clerk-js', 'ui']) {
    const bundle = findBundle(pkg, join(partial, 'no-vendor'));
    if (bundle === undefined)
      throw new Error(`@clerk/${pkg} is not installed: run npm install (a development dependency).`);
    const target = join(partial, 'sandbox', 'clerk', 'vendor', pkg);
    mkdirSync(target, { recursive: true });
    for (const file of bundle.files) cpSync(join(bundle.dir, file), join(target, file));
    cpSync(join(bundle.dir, '..', 'LICENSE'), join(target, 'LICENSE'));
    const manifest = { package: `@clerk/${pkg}`, version: bundle.version, files: [...bundle.files].sort() };
    writeFileSync(join(target, 'version.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

async function build(dir) {
  const began = new Date();
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  try {
    if (!existsSync(TSC)) {
      throw new Error('TypeScript is not installed: run `npm install` (a development dependency) to build.');
    }
    execFileSync(TSC, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', partial], { cwd: ROOT, stdio: 'inherit' });
    cpSync(join(ROOT, 'src'), partial, { recursive: true, filter: (path) => !path.endsWith('.ts') });
    await vendorClerkBundles(partial);
    writeFileSync(join(partial, STAMP), `${began.toISOString()}\n`);
    utimesSync(join(partial, STAMP), began, began);
    swapIn(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/**
 * Moves the finished build to `dir`: the old build is moved aside, the new one renamed in, the old one removed. A
 * build finishing at the same moment elsewhere (two suites side by side) may win the rename; then this one tries
 * again, and the last to finish stays (both built the same sources).
 */
function swapIn(partial, dir) {
  mkdirSync(dirname(dir), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const previous = `${dir}.previous-${process.pid}-${attempt}`;
    try {
      renameSync(dir, previous);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    try {
      renameSync(partial, dir);
      return;
    } catch (error) {
      if ((error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') || attempt >= 10) throw error;
    } finally {
      rmSync(previous, { recursive: true, force: true });
    }
  }
}
