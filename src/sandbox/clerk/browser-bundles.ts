import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The two npm packages whose browser builds Clerk's Frontend API host serves under `/npm/…`. */
export type BundlePackage = 'clerk-js' | 'ui';

/** One package's browser build: the files a browser may ask for, by name, and the version it was built as. */
export interface BrowserBundle {
  package: BundlePackage;
  version: string;
  dir: string;
  /** The entry (`clerk.browser.js`, `ui.browser.js`) and the chunks it loads beside itself. */
  files: ReadonlySet<string>;
}

const ENTRY: Record<BundlePackage, string> = { 'clerk-js': 'clerk.browser.js', ui: 'ui.browser.js' };

/**
 * Where the build (scripts/build.mjs) puts the packages' browser files for the published package, so an installed
 * Tokenbridge serves them without the packages themselves (development dependencies).
 */
export const VENDOR_DIR = join(dirname(fileURLToPath(import.meta.url)), 'vendor');

/**
 * The browser files of `dir` (a package's `dist/`): the entry, and the chunks of the entry's own build. @clerk/ui ships
 * three builds side by side (browser, legacy, shared), told apart by a hash in their chunks' names
 * (`4424_ui_de828c_1.34.0.js`); the entry names its hash, so only that build's chunks are taken.
 */
export function browserFiles(pkg: BundlePackage, dir: string): Set<string> {
  const entry = ENTRY[pkg];
  const names = readdirSync(dir);
  if (!names.includes(entry)) return new Set();
  const source = readFileSync(join(dir, entry), 'utf8');
  const chunk =
    pkg === 'clerk-js' ? /^[\w-]+_clerk\.browser_([0-9a-f]+)_[\w.-]+\.js$/ : /^[\w-]+_ui_([0-9a-f]+)_[\w.-]+\.js$/;
  const hashes = new Set(names.map((name) => chunk.exec(name)?.[1]).filter((h): h is string => h !== undefined));
  const own = [...hashes].filter((hash) => source.includes(hash));
  return new Set([entry, ...names.filter((name) => own.includes(chunk.exec(name)?.[1] ?? ''))]);
}

/**
 * The package's browser build: the vendored copy beside this module when the package was built for publishing, else
 * the installed package (a checkout, where they are development dependencies); undefined when neither is there.
 */
export function findBundle(pkg: BundlePackage, vendorDir = VENDOR_DIR): BrowserBundle | undefined {
  const vendored = join(vendorDir, pkg);
  if (existsSync(join(vendored, 'version.json'))) {
    const { version, files } = JSON.parse(readFileSync(join(vendored, 'version.json'), 'utf8')) as {
      version: string;
      files: string[];
    };
    return { package: pkg, version, dir: vendored, files: new Set(files) };
  }
  let dir: string;
  try {
    // Both packages' entry points sit in their dist/ (`dist/clerk.js`, `dist/index.js`), with the browser files.
    dir = dirname(createRequire(import.meta.url).resolve(`@clerk/${pkg}`));
  } catch {
    return undefined;
  }
  const manifest = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  const files = browserFiles(pkg, dir);
  return files.size === 0 ? undefined : { package: pkg, version: manifest.version, dir, files };
}

/** Clerk's image host, which the components load provider icons from (`…/static/google.svg`). */
const CLERK_IMAGES = 'https://img.clerk.com/';

/**
 * Serves the browser files of both packages from memory once read; a name outside a bundle is unknown. The image host
 * the components name is rewritten to `imagesUrl` (the emulator, which serves the icons), so nothing is fetched from
 * the internet.
 */
export class BrowserBundles {
  readonly #bundles: Partial<Record<BundlePackage, BrowserBundle>>;
  readonly #read = new Map<string, Buffer>();

  constructor(
    private readonly imagesUrl: () => string,
    vendorDir?: string,
  ) {
    this.#bundles = { 'clerk-js': findBundle('clerk-js', vendorDir), ui: findBundle('ui', vendorDir) };
  }

  /** The version a package's bundle was built as, or undefined when it is not available. */
  version(pkg: BundlePackage): string | undefined {
    return this.#bundles[pkg]?.version;
  }

  /** The file's bytes, or undefined when it is not one of the package's browser files. */
  file(pkg: BundlePackage, name: string): Buffer | undefined {
    const bundle = this.#bundles[pkg];
    if (bundle === undefined || !bundle.files.has(name)) return undefined;
    const key = `${pkg}/${name}`;
    let bytes = this.#read.get(key);
    if (bytes === undefined) {
      bytes = readFileSync(join(bundle.dir, name));
      if (bytes.includes(CLERK_IMAGES))
        bytes = Buffer.from(bytes.toString('utf8').replaceAll(CLERK_IMAGES, this.imagesUrl()));
      this.#read.set(key, bytes);
    }
    return bytes;
  }

  /** Whether `name` is the package's entry (its URL is version-tagged like `@6`, so it is revalidated). */
  static isEntry(pkg: BundlePackage, name: string): boolean {
    return ENTRY[pkg] === name;
  }
}
