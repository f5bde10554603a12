import { invalidParameter } from './errors.js';

/**
 * The `fields` system parameter: a partial-response selector such as `nextPageToken, files(id, name)` or
 * `user/displayName`. Parsed into a tree; `*` selects everything at its level.
 */
export type FieldTree = Map<string, FieldTree | true>;

/** Parses a `fields` value; throws Google's 400 on a malformed one. */
export function parseFields(input: string): FieldTree {
  let pos = 0;
  const fail = (): never => {
    throw invalidParameter('fields', `Invalid field selection ${input}`);
  };
  const skip = () => {
    while (pos < input.length && /\s/.test(input[pos]!)) pos++;
  };
  const name = (): string => {
    skip();
    const match = /^(\*|[A-Za-z_][A-Za-z0-9_]*)/.exec(input.slice(pos));
    if (!match) return fail();
    pos += match[0].length;
    return match[0];
  };
  const merge = (into: FieldTree, key: string, sub: FieldTree | true) => {
    const existing = into.get(key);
    if (existing === true || sub === true) into.set(key, true);
    else if (existing) for (const [k, v] of sub) merge(existing, k, v);
    else into.set(key, sub);
  };
  // selection := path ( '(' list ')' )?   path := name ('/' name)*   list := selection (',' selection)*
  const list = (): FieldTree => {
    const tree: FieldTree = new Map();
    do {
      const path = [name()];
      skip();
      while (input[pos] === '/') {
        pos++;
        path.push(name());
        skip();
      }
      let leaf: FieldTree | true = true;
      if (input[pos] === '(') {
        pos++;
        leaf = list();
        skip();
        if (input[pos] !== ')') fail();
        pos++;
        skip();
      }
      let node: FieldTree | true = leaf;
      for (let i = path.length - 1; i > 0; i--) node = new Map([[path[i]!, node]]);
      merge(tree, path[0]!, node);
      skip();
    } while (input[pos] === ',' && ++pos);
    return tree;
  };
  if (input.trim() === '') fail();
  const tree = list();
  if (pos !== input.length) fail();
  return tree;
}

/** Keeps only the selected fields of `value`; arrays apply the selection to each element. */
export function applyFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((item) => applyFields(item, tree));
  if (typeof value !== 'object' || value === null) return value;
  if (tree.has('*') && tree.get('*') === true) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (key === '*') continue;
    const child = (value as Record<string, unknown>)[key];
    if (child === undefined) continue;
    out[key] = sub === true ? child : applyFields(child, sub);
  }
  return out;
}

/**
 * Checks every selected name against what a resource can hold, as Drive does. `allowed` lists the top-level names;
 * `children` lists the names allowed one level down under some of them (deeper levels are not checked).
 */
export function checkFields(
  tree: FieldTree,
  allowed: ReadonlySet<string>,
  children: Record<string, ReadonlySet<string>> = {},
): void {
  for (const [key, sub] of tree) {
    if (key === '*') continue;
    if (!allowed.has(key)) throw invalidParameter('fields', `Invalid field selection ${key}`);
    const inner = children[key];
    if (sub === true || !inner) continue;
    for (const childKey of sub.keys()) {
      if (childKey !== '*' && !inner.has(childKey))
        throw invalidParameter('fields', `Invalid field selection ${childKey}`);
    }
  }
}
