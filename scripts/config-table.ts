// Rewrites the configuration table in README.md from src/config/variables.ts (`npm run docs:config`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigurationTable } from '../src/config/readme-table.js';

const readme = new URL('../README.md', import.meta.url);
const before = readFileSync(readme, 'utf8');
const after = withConfigurationTable(before);
if (after === before) {
  process.stdout.write('README.md: the configuration table is up to date.\n');
} else {
  writeFileSync(readme, after);
  process.stdout.write('README.md: configuration table rewritten from src/config/variables.ts.\n');
}
