import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/** Every module `from` reaches through runtime imports (type-only imports vanish in the build). */
function runtimeImports(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map(
      (m) => m[1]!,
    );
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return graph;
}

it('the browser client imports no Node built-in and no package, so it bundles for any browser', () => {
  const entry = resolve(dirname(fileURLToPath(import.meta.url)), 'index.ts');
  const graph = runtimeImports(entry);
  const external = [...graph.values()].flat().filter((specifier) => !specifier.startsWith('.'));

  expect(graph.size).toBeGreaterThan(3);
  expect(external).toEqual([]);
});
