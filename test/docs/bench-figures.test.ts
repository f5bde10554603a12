/**
 * Every figure the READMEs publish comes from bench/results, all from one commit (issue 19): the figures blocks are
 * what the committed results render, and no measured figure is written by hand outside them.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyFigures,
  checkFigures,
  checkPublishedFigures,
  commonCommit,
  type ResultFile,
  readResults,
} from '../../bench/lib/figures.js';

const ROOT = path.join(import.meta.dirname, '..', '..');

function result(scenario: string, commit: string, rows: Record<string, string | number>[]): ResultFile {
  return {
    scenario,
    machine: {
      cpu: 'CPU',
      cores: 2,
      memoryGiB: 24,
      node: 'v20',
      date: '2026-12-03T08:00:00.000Z',
      commit,
      loadAverage1m: 1,
    },
    tables: [{ title: `${scenario}: a table`, rows }],
  };
}

describe('the published bench figures', () => {
  it('come from bench/results, one clean commit, with nothing measured written by hand', () => {
    expect(checkPublishedFigures(ROOT)).toEqual([]);
  });

  it('are all from one commit, the one the README names', () => {
    const results = readResults();
    expect(results.size).toBeGreaterThanOrEqual(9);
    expect(commonCommit(results)).toMatch(/^[0-9a-f]{7,40}$/);
  });
});

describe('checkFigures', () => {
  const results = new Map([['hot', result('hot', 'abc1234', [{ server: 'tokenbridge', 'req/s': 11341 }])]]);
  const page = applyFigures('# Bench\n\n<!-- figures:hot -->\nold\n<!-- /figures -->\n\nPlain words.\n', results);

  it('accepts a block as the results render it, whatever the padding', () => {
    expect(page).toContain('| tokenbridge | 11341 |');
    expect(checkFigures('x.md', page, results)).toEqual([]);
    expect(checkFigures('x.md', page.replace('| tokenbridge | 11341 |', '|tokenbridge|  11341|'), results)).toEqual([]);
  });

  it('finds a block whose figure was edited by hand', () => {
    expect(checkFigures('x.md', page.replace('11341', '12000'), results)).toEqual([
      'x.md: the figures:hot block is not what bench/results renders (run npm run bench)',
    ]);
  });

  it('finds a measured figure outside a block, and leaves targets and code alone', () => {
    const prose = `${page}\nIt reached 0.97 × the hello world at 12,000 req/s and 85 µs.\n`;
    expect(checkFigures('x.md', prose, results)).toEqual([
      'x.md: "0.97 ×" is written by hand; quote it from a figures block',
      'x.md: "12,000 req/s" is written by hand; quote it from a figures block',
      'x.md: "85 µs" is written by hand; quote it from a figures block',
    ]);
    expect(
      checkFigures('x.md', `${page}\nThe target is ≥ 0.6 × and p99 ≤ 2 ×.\n\n\`\`\`\n9 ms\n\`\`\`\n`, results),
    ).toEqual([]);
  });

  it('looks only under the heading it is given', () => {
    const readme = `# App\n\nTimeouts of 500 ms.\n\n## Performance\n\n${page}\n## Next\n\n40 %\n`;
    expect(checkFigures('README.md', readme, results, '## Performance')).toEqual([]);
    expect(checkFigures('README.md', readme.replace('Plain words.', 'Plain 3 ms.'), results, '## Performance')).toEqual(
      ['README.md: "3 ms" is written by hand; quote it from a figures block'],
    );
  });

  it('finds a block with no result and results from different commits', () => {
    expect(checkFigures('x.md', '<!-- figures:storm -->\n\n<!-- /figures -->\n', results)).toHaveLength(1);
    const mixed = new Map([...results, ['storm', result('storm', 'def5678', [])]]);
    expect(commonCommit(mixed)).toBeUndefined();
    expect(commonCommit(new Map([['hot', result('hot', 'abc1234-dirty', [])]]))).toBeUndefined();
    expect(commonCommit(results)).toBe('abc1234');
  });
});
