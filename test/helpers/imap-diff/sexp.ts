/**
 * Reads the data of an IMAP response into a tree and prints it back canonically: quoted strings,
 * literals and atoms with the same value print the same (the RFCs let a server choose), NIL stays
 * NIL, and `BODY[HEADER.FIELDS (A B)]<0>` stays one atom.
 */
export type Node =
  { t: 'atom'; v: string } | { t: 'str'; v: string } | { t: 'nil' } | { t: 'list'; items: Node[] };

export function parseItems(text: string): Node[] {
  const p = { s: text, i: 0 };
  const items: Node[] = [];
  for (;;) {
    skipSpaces(p);
    if (p.i >= p.s.length) return items;
    if (p.s[p.i] === ')') {
      // Unbalanced: keep the rest verbatim rather than lose it.
      items.push({ t: 'atom', v: p.s.slice(p.i) });
      return items;
    }
    items.push(parseNode(p));
  }
}

interface Cursor {
  s: string;
  i: number;
}

function skipSpaces(p: Cursor): void {
  while (p.s[p.i] === ' ') p.i++;
}

function parseNode(p: Cursor): Node {
  const c = p.s[p.i];
  if (c === '(') {
    p.i++;
    const items: Node[] = [];
    for (;;) {
      skipSpaces(p);
      if (p.i >= p.s.length) return { t: 'list', items };
      if (p.s[p.i] === ')') {
        p.i++;
        return { t: 'list', items };
      }
      items.push(parseNode(p));
    }
  }
  if (c === '"') return { t: 'str', v: parseQuoted(p) };
  const literal = /^~?\{(\d+)\+?\}\r\n/.exec(p.s.slice(p.i, p.i + 30));
  if (literal) {
    const start = p.i + literal[0].length;
    const v = p.s.slice(start, start + Number(literal[1]));
    p.i = start + Number(literal[1]);
    return { t: 'str', v };
  }
  return parseAtom(p);
}

function parseQuoted(p: Cursor): string {
  let out = '';
  p.i++;
  while (p.i < p.s.length && p.s[p.i] !== '"') {
    if (p.s[p.i] === '\\' && p.i + 1 < p.s.length) p.i++;
    out += p.s[p.i++];
  }
  p.i++;
  return out;
}

/** An atom runs to a space or paren, but brackets (sections, response codes) nest inside it. */
function parseAtom(p: Cursor): Node {
  const start = p.i;
  let depth = 0;
  while (p.i < p.s.length) {
    const c = p.s[p.i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === ' ' || c === '(' || c === ')')) break;
    p.i++;
  }
  if (p.i === start) p.i++; // a stray character: never loop forever
  const v = p.s.slice(start, p.i);
  return v.toUpperCase() === 'NIL' ? { t: 'nil' } : { t: 'atom', v };
}

const ATOM_SAFE = /^[A-Za-z0-9\\$.\-_/:#+*%&'!,[\]<>=?@^`|~]+$/;

/** Canonical text: a value prints bare when it could be an atom, otherwise as a JSON string. */
export function print(node: Node): string {
  switch (node.t) {
    case 'nil':
      return 'NIL';
    case 'list':
      return `(${node.items.map(print).join(' ')})`;
    default: {
      const v = node.v;
      if (atomSafe(v) && v.toUpperCase() !== 'NIL') return v;
      return JSON.stringify(v.length > 400 ? `${v.slice(0, 200)}…[${v.length} bytes, sha ${hash(v)}]` : v);
    }
  }
}

/**
 * Whether `v` reads back as one atom: atom characters, and brackets only as whole
 * `[…]` groups (a section, where spaces and parentheses may appear), never stray ones.
 */
function atomSafe(v: string): boolean {
  const outside = v.replace(/\[[^[\]\r\n"]*\]/g, '[]');
  return ATOM_SAFE.test(outside) && !/\[(?!\])|(?<!\[)\]/.test(outside);
}

/** Short stable hash so long literals still compare exactly but print briefly. */
export function hash(v: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

export const atom = (v: string): Node => ({ t: 'atom', v });

export function text(node: Node | undefined): string | null {
  return node && (node.t === 'atom' || node.t === 'str') ? node.v : null;
}
