/**
 * The open-redirect payloads of issue 11 (dot segments that a browser normalises into `//evil.test`), in their raw,
 * percent-encoded, mixed-case and double-encoded forms. Shared by the unit test and the end-to-end flow test.
 */
const REPORTED = ['/.//evil.test', '/%2e//evil.test', '/..//evil.test', '/a/..//evil.test', '/x/%2e%2e//evil.test'];

/** The reported payloads with their dot segments written plainly. */
const CANONICAL = ['/.//evil.test', '/..//evil.test', '/a/..//evil.test', '/x/..//evil.test'];

/** Ways to write one `.` of a dot segment. */
const DOTS: Array<(index: number) => string> = [
  () => '.',
  () => '%2e',
  () => '%2E',
  (i) => (i % 2 === 0 ? '%2e' : '.'),
  (i) => (i % 2 === 0 ? '.' : '%2E'),
  () => '%252e',
  () => '%252E',
];

function spell(path: string, dot: (index: number) => string): string {
  return path.replace(/(?<=\/)\.{1,2}(?=\/)/g, (segment) => [...segment].map((_, i) => dot(i)).join(''));
}

export const DOT_SEGMENT_PAYLOADS: string[] = [
  ...new Set([
    ...REPORTED,
    ...CANONICAL.flatMap((path) => DOTS.map((dot) => spell(path, dot))),
    '/.//EVIL.TEST',
    '/A/%2E%2E//Evil.Test',
    '/..//evil.test?tab=google',
    '/.//evil.test#top',
    '/./%2fevil.test',
    '/%2e/%2F/evil.test',
    '/a/b/../..//evil.test',
  ]),
];
