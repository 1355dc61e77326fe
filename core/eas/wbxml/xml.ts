/**
 * The tree as XML text in the form of the MS-ASCMD examples (namespaces "AirSync:" …), for logs,
 * tests and the golden comparison with libwbxml. Opaque data is written as base64 text (XML has
 * no raw bytes; libwbxml's wbxml2xml and xml2wbxml do the same for their binary tags).
 */
import { namespaceOf } from './code-pages';
import type { EasElement } from './tree';

const escape = (s: string) => s.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));

/** Serialises with a default namespace on the root and a prefix per other page used. */
export function toXml(root: EasElement, options: { doctype?: boolean } = {}): string {
  const pages = new Set<number>();
  const collect = (n: EasElement) => {
    pages.add(n.page);
    n.children.forEach(collect);
  };
  collect(root);
  const prefix = (page: number) => (page === root.page ? '' : `${namespaceOf(page).toLowerCase()}:`);
  const declarations = [...pages]
    .map((p) =>
      p === root.page
        ? ` xmlns="${namespaceOf(p)}:"`
        : ` xmlns:${namespaceOf(p).toLowerCase()}="${namespaceOf(p)}:"`,
    )
    .join('');
  const write = (n: EasElement, top: boolean): string => {
    const name = prefix(n.page) + n.name;
    const attrs = top ? declarations : '';
    const body =
      (n.text ? escape(n.text) : '') +
      (n.opaque ? n.opaque.toString('base64') : '') +
      n.children.map((c) => write(c, false)).join('');
    return body ? `<${name}${attrs}>${body}</${name}>` : `<${name}${attrs}/>`;
  };
  const doctype = options.doctype
    ? '<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n'
    : '';
  return `<?xml version="1.0" encoding="utf-8"?>\n${doctype}${write(root, true)}\n`;
}
