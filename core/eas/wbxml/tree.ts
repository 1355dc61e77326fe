/**
 * The document tree the WBXML codec reads and writes: elements with a code page and a name,
 * and either children, text or opaque bytes (ActiveSync has no mixed content and no attributes).
 */
import { pageOf } from './code-pages';

export interface EasElement {
  /** Code page number (MS-ASWBXML), which is the element's namespace. */
  page: number;
  name: string;
  children: EasElement[];
  /** Character data (STR_I / STR_T / ENTITY), if any. */
  text?: string;
  /** OPAQUE data (MIME, ConversationId, attachment bytes …), if any. */
  opaque?: Buffer;
}

type Content = EasElement | string | Buffer | number | null | undefined | false;

/**
 * Builds an element: `el('FolderHierarchy', 'FolderSync', el(..., 'Status', 1))`. Strings and
 * numbers become text, a Buffer becomes opaque data, null/undefined/false are skipped (optional parts).
 */
export function el(namespace: string | number, name: string, ...content: Content[]): EasElement {
  const page = typeof namespace === 'number' ? namespace : pageOf(namespace);
  if (page === undefined) throw new RangeError(`unknown ActiveSync namespace ${namespace}`);
  const node: EasElement = { page, name, children: [] };
  for (const part of content) {
    if (part === null || part === undefined || part === false) continue;
    if (typeof part === 'string' || typeof part === 'number') node.text = (node.text ?? '') + String(part);
    else if (Buffer.isBuffer(part)) node.opaque = part;
    else node.children.push(part);
  }
  return node;
}

/** The first child named `name` (on `page`, if given). */
export function child(node: EasElement | undefined, name: string, page?: number): EasElement | undefined {
  return node?.children.find((c) => c.name === name && (page === undefined || c.page === page));
}

export function childrenNamed(node: EasElement | undefined, name: string): EasElement[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

/** Text of the child reached by a path of names (`textAt(req, 'Policies', 'Policy', 'PolicyKey')`). */
export function textAt(node: EasElement | undefined, ...path: string[]): string | undefined {
  let current = node;
  for (const name of path) current = child(current, name);
  return current?.text ?? (current && current.children.length === 0 ? '' : undefined);
}
