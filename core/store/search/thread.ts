/**
 * THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §2.2, the "JWZ" algorithm).
 */
import { baseSubject } from './base-subject';

export interface ThreadInput {
  id: number; // UID or sequence number, as the answer should carry
  messageId: string | null;
  references: string[];
  subject: string | null;
  date: number; // sent date (ms), falling back to internal date
}

export type ThreadNode = { id: number | null; children: ThreadNode[] };

/** What siblings sort by (RFC 5256 §2.2): sent date, ties by sequence (= UID) order. */
interface SortKey {
  date: number;
  id: number;
}

const compareKeys = (a: SortKey, b: SortKey): number => a.date - b.date || a.id - b.id;

/** The smallest key, i.e. that of the first child once the children are sorted. */
function firstKey(keys: SortKey[]): SortKey {
  return keys.reduce((best, k) => (compareKeys(k, best) < 0 ? k : best), keys[0] ?? { date: 0, id: 0 });
}

export function threadOrderedSubject(messages: ThreadInput[]): ThreadNode[] {
  const groups = new Map<string, ThreadInput[]>();
  const sorted = [...messages].sort((a, b) => a.date - b.date || a.id - b.id);
  for (const m of sorted) {
    const key = baseSubject(m.subject).base;
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }
  const roots = [...groups.values()].map((group) => ({
    id: group[0].id,
    date: group[0].date,
    children: group.slice(1).map((m) => ({ id: m.id, children: [] })),
  }));
  roots.sort((a, b) => a.date - b.date || a.id - b.id);
  return roots.map(({ id, children }) => ({ id, children }));
}

interface Container {
  message: ThreadInput | null;
  parent: Container | null;
  children: Container[];
  key: string;
}

export function parseMessageIds(value: string | null): string[] {
  if (!value) return [];
  return (value.match(/<[^<>\s]+>/g) ?? []).map((id) => id.toLowerCase());
}

function isAncestor(a: Container, b: Container): boolean {
  for (let c: Container | null = b; c; c = c.parent) if (c === a) return true;
  return false;
}

function unlink(c: Container): void {
  if (!c.parent) return;
  c.parent.children = c.parent.children.filter((x) => x !== c);
  c.parent = null;
}

export function threadReferences(messages: ThreadInput[]): ThreadNode[] {
  const table = new Map<string, Container>();
  let unique = 0;
  const get = (key: string): Container => {
    let c = table.get(key);
    if (!c) table.set(key, (c = { message: null, parent: null, children: [], key }));
    return c;
  };
  for (const m of messages) {
    let key = m.messageId ? (parseMessageIds(m.messageId)[0] ?? null) : null;
    if (key === null || (table.get(key)?.message ?? null) !== null) key = `\u0000unique-${unique++}`;
    const container = get(key);
    container.message = m;
    const refs = m.references;
    let prev: Container | null = null;
    for (const ref of refs) {
      const c = get(ref);
      if (prev && !c.parent && !isAncestor(c, prev) && c !== prev) {
        c.parent = prev;
        prev.children.push(c);
      }
      prev = c;
    }
    if (prev && (prev === container || isAncestor(container, prev))) prev = null;
    unlink(container);
    if (prev) {
      container.parent = prev;
      prev.children.push(container);
    }
  }
  let roots = [...table.values()].filter((c) => !c.parent);
  // A dummy sorts as its first child (RFC 5256 §2.2 steps 4 and 6), date and sequence number.
  const keyOf = (c: Container): SortKey =>
    c.message ? { date: c.message.date, id: c.message.id } : firstKey(c.children.map(keyOf));
  // Prune empty containers.
  const prune = (list: Container[], isRoot: boolean): Container[] => {
    const out: Container[] = [];
    for (const c of list) {
      c.children = prune(c.children, false);
      for (const child of c.children) child.parent = c;
      if (!c.message) {
        if (c.children.length === 0) continue;
        if (!isRoot || c.children.length === 1) {
          for (const child of c.children) child.parent = c.parent;
          out.push(...c.children);
          continue;
        }
      }
      out.push(c);
    }
    return out;
  };
  roots = prune(roots, true);
  // Group roots by base subject.
  const subjectOf = (c: Container): ThreadInput | null => c.message ?? c.children[0]?.message ?? null;
  const bySubject = new Map<string, Container>();
  const kept: Container[] = [];
  const sortedRoots = [...roots].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  for (const root of sortedRoots) {
    const m = subjectOf(root);
    const { base, reply } = baseSubject(m?.subject ?? null);
    if (!base) {
      kept.push(root);
      continue;
    }
    const existing = bySubject.get(base);
    if (!existing) {
      bySubject.set(base, root);
      kept.push(root);
      continue;
    }
    const existingReply = baseSubject(subjectOf(existing)?.subject ?? null).reply;
    if (!existing.message && !root.message) {
      existing.children.push(...root.children);
    } else if (!existing.message) {
      existing.children.push(root);
    } else if (!root.message) {
      root.children.push(existing);
      kept[kept.indexOf(existing)] = root;
      bySubject.set(base, root);
    } else if (!existingReply && reply) {
      existing.children.push(root);
    } else {
      const holder: Container = { message: null, parent: null, children: [existing, root], key: '' };
      kept[kept.indexOf(existing)] = holder;
      bySubject.set(base, holder);
    }
  }
  // Step 6: every set of siblings, the top level included, by date; a dummy as its first child.
  const convert = (c: Container): ThreadNode => {
    const children = [...c.children].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    return { id: c.message ? c.message.id : null, children: children.map(convert) };
  };
  return [...kept].sort((a, b) => compareKeys(keyOf(a), keyOf(b))).map(convert);
}

/** "(1 2)(3 (4)(5))" per RFC 5256 §4. */
export function formatThreads(nodes: ThreadNode[]): string {
  const one = (n: ThreadNode): string => {
    // A chain of single children is written flat: (1 2 3).
    const parts: string[] = [];
    let cur: ThreadNode | null = n;
    while (cur) {
      if (cur.id !== null) parts.push(String(cur.id));
      if (cur.children.length === 1) cur = cur.children[0];
      else {
        if (cur.children.length > 1) parts.push(cur.children.map(one).join(''));
        cur = null;
      }
    }
    return `(${parts.join(' ')})`;
  };
  return nodes.map(one).join('');
}
