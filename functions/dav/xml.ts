/**
 * WebDAV XML: request bodies parsed with @xmldom/xmldom (namespace-aware) inside hard limits
 * (size, element depth, no DOCTYPE: no entity tricks), and responses built as text with the usual
 * prefixes. Properties are named in Clark notation, "{DAV:}getetag".
 */
import { DOMParser, onErrorStopParsing, type Document, type Element, type Node } from '@xmldom/xmldom';

export const NS = {
  dav: 'DAV:',
  caldav: 'urn:ietf:params:xml:ns:caldav',
  carddav: 'urn:ietf:params:xml:ns:carddav',
  cs: 'http://calendarserver.org/ns/',
  apple: 'http://apple.com/ns/ical/',
} as const;

const PREFIXES: Record<string, string> = {
  [NS.dav]: 'd',
  [NS.caldav]: 'cal',
  [NS.carddav]: 'card',
  [NS.cs]: 'cs',
  [NS.apple]: 'ical',
};

export const XML_LIMITS = { maxBytes: 2 * 1024 * 1024, maxDepth: 32 };

/** A request the server refuses with `status` (and, for preconditions, an error element). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Clark name of the precondition element for a DAV:error body, e.g. "{DAV:}propfind-finite-depth". */
    readonly condition?: string,
  ) {
    super(message);
    this.name = 'DavError';
  }
}

/** The document element of a request body, or null for an empty body. Throws DavError 400. */
export function parseXml(body: Buffer, limits = XML_LIMITS): Element | null {
  if (body.length === 0) return null;
  if (body.length > limits.maxBytes) throw new DavError(413, 'XML body too large');
  const text = body.toString('utf8');
  if (text.trim() === '') return null;
  if (/<!DOCTYPE/i.test(text)) throw new DavError(400, 'DOCTYPE is not allowed in WebDAV bodies');
  let doc: Document;
  try {
    doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'text/xml');
  } catch (error) {
    throw new DavError(
      400,
      `malformed XML: ${String((error as Error).message)
        .split('\n')[0]
        .slice(0, 200)}`,
    );
  }
  const root = doc.documentElement;
  if (!root) throw new DavError(400, 'malformed XML: no document element');
  if (depthOf(root) > limits.maxDepth) throw new DavError(400, `XML nested deeper than ${limits.maxDepth}`);
  return root;
}

/** Element depth without recursion (a hostile body must not reach the stack limit). */
function depthOf(root: Element): number {
  let max = 0;
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    for (let child = node.firstChild; child; child = child.nextSibling)
      if (child.nodeType === 1) stack.push([child, depth + 1]);
  }
  return max;
}

export const clark = (el: Element): string => `{${el.namespaceURI ?? ''}}${el.localName}`;

export function is(el: Element | null | undefined, ns: string, local: string): el is Element {
  return !!el && el.namespaceURI === ns && el.localName === local;
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let child = el.firstChild; child; child = child.nextSibling)
    if (child.nodeType === 1) out.push(child as Element);
  return out;
}

export function child(el: Element, ns: string, local: string): Element | null {
  return childElements(el).find((c) => is(c, ns, local)) ?? null;
}

export function children(el: Element, ns: string, local: string): Element[] {
  return childElements(el).filter((c) => is(c, ns, local));
}

export const textOf = (el: Element | null): string => el?.textContent ?? '';

export function splitClark(name: string): { ns: string; local: string } {
  const close = name.indexOf('}');
  return { ns: name.slice(1, close), local: name.slice(close + 1) };
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

/** An element by Clark name; `inner` is XML text already escaped (or null: empty element). */
export function element(name: string, inner: string | null = null): string {
  const { ns, local } = splitClark(name);
  if (ns === '')
    return inner === null || inner === '' ? `<${local} xmlns=""/>` : `<${local} xmlns="">${inner}</${local}>`;
  const prefix = PREFIXES[ns];
  const tag = prefix ? `${prefix}:${local}` : `x:${local}`;
  const decl = prefix ? '' : ` xmlns:x="${escapeXml(ns)}"`;
  return inner === null || inner === '' ? `<${tag}${decl}/>` : `<${tag}${decl}>${inner}</${tag}>`;
}

export const href = (path: string) => element('{DAV:}href', escapeXml(encodePath(path)));

/** Percent-encodes each path segment (the @ of addresses stays as clients write it). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%40/g, '@'))
    .join('/');
}

const ROOT_NS = Object.entries(PREFIXES)
  .map(([ns, p]) => ` xmlns:${p}="${ns}"`)
  .join('');

export function xmlDocument(rootName: string, inner: string): string {
  const { ns, local } = splitClark(rootName);
  const tag = `${PREFIXES[ns]}:${local}`;
  return `<?xml version="1.0" encoding="utf-8"?>\n<${tag}${ROOT_NS}>${inner}</${tag}>\n`;
}

/** Serialises a request element back to text (dead properties are stored this way). */
export function serialize(el: Element): string {
  return el.toString();
}

export const XML_HEADERS = { 'content-type': 'application/xml; charset=utf-8' };
