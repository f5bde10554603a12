import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/frameworks/*.md: every TypeScript (or JavaScript) block names, on its first line, the example file it comes from (a file the
// suite runs or typechecks), and must appear in it as written, with the package's import names where the example
// imports from src/. Every install line names only the package and its declared optional peers.

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs', 'frameworks');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  peerDependencies: Record<string, string>;
};

/** An example file as an app would write it: imports from the package instead of from src/. */
function asPublished(source: string): string {
  return source.replace(/'(?:\.\.\/)+src\/(?:index\.js|([a-z]+)\/index\.js)'/g, (_match, entry?: string) =>
    entry ? `'tokenbridge/${entry}'` : "'tokenbridge'",
  );
}

function blocks(markdown: string): Array<{ lang: string; body: string }> {
  return [...markdown.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({ lang: match[1]!, body: match[2]! }));
}

const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'));

describe.each(pages)('docs/frameworks/%s', (page) => {
  const markdown = readFileSync(join(DOCS, page), 'utf8');

  it('has a title saying five minutes, and at least one example block', () => {
    expect(markdown).toMatch(/^# Add Tokenbridge to your .+ app in five minutes$/m);
    expect(blocks(markdown).filter((block) => block.lang === 'ts').length).toBeGreaterThan(1);
  });

  it('shows each TypeScript block exactly as the example file it names has it', () => {
    for (const block of blocks(markdown).filter((b) => ['ts', 'tsx', 'js'].includes(b.lang))) {
      const [first, ...rest] = block.body.split('\n');
      const path = /^\/\/ (examples\/\S+\.(?:tsx?|mjs))$/.exec(first ?? '')?.[1];
      expect(path, `a block without its file: ${first}`).toBeDefined();
      const example = asPublished(readFileSync(join(ROOT, path!), 'utf8'));
      // A block may be shown out of its function, dedented (the formatter writes it so).
      const shown = [0, 2, 4, 6].some((indent) =>
        example.includes(rest.map((line) => (line === '' ? '' : ' '.repeat(indent) + line)).join('\n')),
      );
      expect(shown, `${page}: a block differs from ${path}:\n${rest.join('\n')}`).toBe(true);
    }
  });

  it('installs only the package and its optional peers', () => {
    for (const block of blocks(markdown).filter((b) => b.lang === 'sh')) {
      const names = block.body
        .replace(/^npm install\s+/, '')
        .trim()
        .split(/\s+/);
      expect(names[0]).toBe(manifest.name);
      for (const name of names.slice(1)) expect(Object.keys(manifest.peerDependencies)).toContain(name);
    }
  });
});
