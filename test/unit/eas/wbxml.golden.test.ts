import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_PAGES } from '../../../core/eas/wbxml/code-pages';
import { decodeWbxml } from '../../../core/eas/wbxml/decoder';
import { encodeWbxml } from '../../../core/eas/wbxml/encoder';
import { el } from '../../../core/eas/wbxml/tree';
import {
  comparable,
  LIBWBXML,
  LIBWBXML_LACKS,
  LIBWBXML_MISSING,
  parseXmlTree,
  toLibwbxmlXml,
  withBinaryTags,
  wbxml2xml,
  xml2wbxml,
} from './libwbxml';

/**
 * Golden tests against an independent implementation (Debian's libwbxml2-utils): every tag of
 * every code page, and the request/response examples of test/fixtures/eas in both directions
 * (ours → wbxml2xml, xml2wbxml → ours), compared as trees.
 */
const FIXTURES = join(__dirname, '../../fixtures/eas');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));
const suite = LIBWBXML ? describe : describe.skip;
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);

suite('ActiveSync WBXML against libwbxml', () => {
  it('every tag of every code page encodes to the token libwbxml reads as the same tag', () => {
    const lacking: string[] = [];
    for (const p of CODE_PAGES) {
      const tags = p.tags.filter(Boolean);
      // One document per page: a FolderSync root holding each tag of the page with text.
      const root = el('FolderHierarchy', 'FolderSync', ...tags.map((name) => el(p.page, name, 'x')));
      const back = parseXmlTree(wbxml2xml(encodeWbxml(root)));
      expect(back.children).toHaveLength(tags.length);
      back.children.forEach((got, i) => {
        const label = `${p.namespace}.${tags[i]}`;
        if (got.name === 'unknown' && LIBWBXML_LACKS.includes(label)) lacking.push(label);
        else expect(`${got.page}.${got.name}`).toBe(`${p.page}.${tags[i]}`);
      });
    }
    expect(lacking.sort()).toEqual([...LIBWBXML_LACKS].sort());
  });

  it.each(fixtures)('%s: our encoding reads back through wbxml2xml as the same tree', (file) => {
    const tree = withBinaryTags(parseXmlTree(readFileSync(join(FIXTURES, file), 'utf8')));
    const theirs = parseXmlTree(wbxml2xml(encodeWbxml(tree)));
    expect(comparable(theirs)).toEqual(comparable(tree));
  });

  it.each(fixtures)('%s: xml2wbxml output decodes with ours to the same tree', (file) => {
    const tree = withBinaryTags(parseXmlTree(readFileSync(join(FIXTURES, file), 'utf8')));
    const ours = decodeWbxml(xml2wbxml(toLibwbxmlXml(tree)));
    expect(comparable(ours)).toEqual(comparable(tree));
  });
});
