import type { Variable } from './variable.js';
import { VARIABLES } from './variables.js';

/** The README's markers around the generated table. */
export const TABLE_START =
  '<!-- configuration table: generated from src/config/variables.ts by npm run docs:config -->';
export const TABLE_END = '<!-- end of configuration table -->';

/**
 * The README's configuration table, one row per variable of the table in `variables.ts`, columns padded as a
 * Markdown formatter pads them.
 *
 * @example
 * configurationTable().split('\n')[0] // '| variable | value | default | meaning |' (padded)
 */
export function configurationTable(): string {
  const rows = (Object.entries(VARIABLES) as Array<[string, Variable<unknown>]>).map(([name, v]) => [
    `\`${name}\``,
    v.secret && v.type !== 'secret' ? `${v.type} (secret)` : v.type,
    v.default,
    v.description,
  ]);
  const header = ['variable', 'value', 'default', 'meaning'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** `readme` with the text between the markers replaced by the current table. */
export function withConfigurationTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start) throw new Error('README.md has no configuration table markers.');
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${configurationTable()}\n\n${readme.slice(end)}`;
}
