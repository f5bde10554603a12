import { invalidParameter } from '../errors.js';

/** The facts about a file that a Drive `q` can test. */
export interface QueryableFile {
  name: string;
  mimeType: string;
  description?: string;
  trashed: boolean;
  starred: boolean;
  /** Parent ids, including the `root` alias where it applies. */
  parents: readonly string[];
  createdTime: string;
  modifiedTime: string;
}

/** A compiled `q`: a test for one file. */
export type FilePredicate = (file: QueryableFile) => boolean;

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'paren'; value: '(' | ')' };

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= q.length) throw bad();
        const d = q[i]!;
        if (d === '\\') {
          if (i + 1 >= q.length) throw bad();
          value += q[i + 1];
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', value: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = q.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'op', value: two });
        i += 2;
      } else if (c === '!') {
        throw bad();
      } else {
        tokens.push({ kind: 'op', value: c });
        i++;
      }
    } else {
      const match = /^[A-Za-z0-9_.:-]+/.exec(q.slice(i));
      if (!match) throw bad();
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

function bad() {
  return invalidParameter('q');
}

/** Drive matches `name contains` by prefix at the start of a word, ignoring case. */
function namePrefixMatch(name: string, needle: string): boolean {
  const hay = name.toLowerCase();
  const n = needle.toLowerCase();
  for (let i = 0; i < hay.length; i++) {
    if ((i === 0 || !/[\p{L}\p{N}]/u.test(hay[i - 1]!)) && hay.startsWith(n, i)) return true;
  }
  return n === '';
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      throw bad();
  }
}

/**
 * Compiles the subset of Drive's query language the emulator understands: `name` (`contains`, `=`, `!=`),
 * `fullText contains`, `mimeType` (`=`, `!=`, `contains`), `trashed`/`starred` (`=`, `!=` with `true|false`),
 * `createdTime`/`modifiedTime` compared with RFC 3339 strings, `'id' in parents`, `'me' in owners`, joined by
 * `and`/`or`/`not` and parentheses. Anything else is Drive's 400 `invalid` on `q`.
 */
export function compileQuery(q: string): FilePredicate {
  const tokens = tokenize(q);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, value: string) => t?.kind === 'word' && t.value.toLowerCase() === value;

  const comparison = (): FilePredicate => {
    const first = tokens[pos++];
    if (!first) throw bad();
    if (first.kind === 'string') {
      if (!isWord(tokens[pos++], 'in')) throw bad();
      const collection = tokens[pos++];
      if (collection?.kind !== 'word') throw bad();
      const id = first.value;
      switch (collection.value) {
        case 'parents':
          return (f) => f.parents.includes(id);
        case 'owners':
          return () => id === 'me';
        case 'writers':
        case 'readers':
          return () => id === 'me';
        default:
          throw bad();
      }
    }
    if (first.kind !== 'word') throw bad();
    const op = tokens[pos++];
    const value = tokens[pos++];
    if (!op || !value) throw bad();
    const operator = op.kind === 'op' ? op.value : op.kind === 'word' ? op.value.toLowerCase() : '';
    const field = first.value;
    const str = (): string => {
      if (value.kind !== 'string') throw bad();
      return value.value;
    };
    const bool = (): boolean => {
      if (value.kind !== 'word' || (value.value !== 'true' && value.value !== 'false')) throw bad();
      return value.value === 'true';
    };
    switch (field) {
      case 'name': {
        const s = str();
        if (operator === 'contains') return (f) => namePrefixMatch(f.name, s);
        if (operator === '=') return (f) => f.name === s;
        if (operator === '!=') return (f) => f.name !== s;
        throw bad();
      }
      case 'fullText': {
        const s = str().toLowerCase();
        if (operator !== 'contains') throw bad();
        return (f) => `${f.name} ${f.description ?? ''}`.toLowerCase().includes(s);
      }
      case 'mimeType': {
        const s = str();
        if (operator === '=') return (f) => f.mimeType === s;
        if (operator === '!=') return (f) => f.mimeType !== s;
        if (operator === 'contains') return (f) => f.mimeType.includes(s);
        throw bad();
      }
      case 'trashed':
      case 'starred': {
        const b = bool();
        if (operator === '=') return (f) => f[field] === b;
        if (operator === '!=') return (f) => f[field] !== b;
        throw bad();
      }
      case 'createdTime':
      case 'modifiedTime': {
        const s = str();
        if (!TIME.test(s) || Number.isNaN(Date.parse(s))) throw bad();
        const at = Date.parse(s);
        if (!['=', '!=', '<', '<=', '>', '>='].includes(operator)) throw bad();
        return (f) => compare(operator, Date.parse(f[field]), at);
      }
      default:
        throw bad();
    }
  };

  const unary = (): FilePredicate => {
    const t = peek();
    if (isWord(t, 'not')) {
      pos++;
      const inner = unary();
      return (f) => !inner(f);
    }
    if (t?.kind === 'paren' && t.value === '(') {
      pos++;
      const inner = or();
      const close = tokens[pos++];
      if (close?.kind !== 'paren' || close.value !== ')') throw bad();
      return inner;
    }
    return comparison();
  };

  const and = (): FilePredicate => {
    const parts = [unary()];
    while (isWord(peek(), 'and')) {
      pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : (f) => parts.every((p) => p(f));
  };

  const or = (): FilePredicate => {
    const parts = [and()];
    while (isWord(peek(), 'or')) {
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : (f) => parts.some((p) => p(f));
  };

  if (tokens.length === 0) return () => true;
  const predicate = or();
  if (pos !== tokens.length) throw bad();
  return predicate;
}
