import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

interface Import {
  /** The importing file, relative to src/. */
  from: string;
  /** The imported module, relative to src/ (without extension), or the bare specifier of a package. */
  to: string;
  /** Only types cross: `import type`, `export type`, or every named binding marked `type`. */
  typeOnly: boolean;
}

/** `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, over several lines too. */
const IMPORT = /\b(?:(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

/** Every static and dynamic import and re-export of the TypeScript files under `folder` (tests beside them too). */
function importsOf(folder: string): Import[] {
  const found: Import[] = [];
  for (const file of filesUnder(join(SRC, folder))) {
    // Comments may quote imports (`@example` lines); they are not imports.
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const match of text.matchAll(IMPORT)) {
      const [, keyword, typeKeyword, bindings = '', specifier = ''] = match;
      const named = /^\{([\s\S]*)\}$/.exec(bindings.trim())?.[1];
      const everyNamedIsType =
        named
          ?.split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '')
          .every((b) => b.startsWith('type ')) === true;
      const to = specifier.startsWith('.')
        ? relative(SRC, resolve(dirname(file), specifier)).replace(/\.(js|ts)$/, '')
        : specifier;
      found.push({
        from: relative(SRC, file),
        to,
        typeOnly: keyword !== undefined && (typeKeyword !== undefined || everyNamedIsType),
      });
    }
  }
  return found;
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

const inside = (folder: string) => (i: Import) => i.to === folder || i.to.startsWith(`${folder}/`);

describe('the import rules the layout promises', () => {
  it('finds the imports it checks (the scan itself works)', () => {
    const core = importsOf('core');
    expect(core.some((i) => i.to === 'core/ports' && i.typeOnly)).toBe(true);
    expect(core.some((i) => i.to === 'clock')).toBe(true);
    expect(importsOf('cli').some((i) => i.to === 'http/index')).toBe(true);
  });

  it('the core imports nothing from storage, http or the sandbox: it owns its ports and the others implement them', () => {
    const crossings = importsOf('core').filter(
      (i) => inside('storage')(i) || inside('http')(i) || inside('sandbox')(i) || inside('cli')(i),
    );
    expect(crossings).toEqual([]);
  });

  it('storage takes from the core only its ports (core/ports.ts) and types', () => {
    const crossings = importsOf('storage').filter((i) => inside('core')(i) && !i.typeOnly && i.to !== 'core/ports');
    expect(crossings).toEqual([]);
  });

  it('storage never reaches up into http, the CLI or the sandbox', () => {
    const crossings = importsOf('storage').filter((i) => inside('http')(i) || inside('cli')(i) || inside('sandbox')(i));
    expect(crossings).toEqual([]);
  });

  it('the CLI reaches the HTTP layer only through its public face (src/http/index.ts), never its internals', () => {
    const crossings = importsOf('cli').filter((i) => inside('http')(i) && i.to !== 'http/index');
    expect(crossings).toEqual([]);
  });
});
