/**
 * The libwbxml comparison of the ActiveSync e2e suites: every response body a client saw,
 * decoded by Debian's wbxml2xml, must give the tree our decoder gave. wbxml2xml runs with -k
 * here: without it, libwbxml trims the leading and trailing whitespace of character data, and a
 * mail body ending in a newline would look different although both decoders read the same bytes.
 * Line ends are compared as LF: the XML text of wbxml2xml goes through an XML parser, which turns
 * CR LF into LF (XML 1.0 §2.11), so a CR LF in a body cannot survive that side of the comparison.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EasElement } from '../../core/eas/wbxml/tree';
import { alignLacking, comparable, parseXmlTree } from '../unit/eas/libwbxml';

function wbxml2xmlKeepingSpace(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-eas-golden-'));
  try {
    writeFileSync(join(dir, 'in.wbxml'), bytes);
    execFileSync(
      'wbxml2xml',
      ['-l', 'ACTIVESYNC', '-m', '0', '-k', '-o', join(dir, 'out.xml'), join(dir, 'in.wbxml')],
      { stdio: 'pipe' },
    );
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our tree with CR LF (and lone CR) in text as LF, as an XML parser reads text. */
function xmlLineEnds(node: EasElement): EasElement {
  return {
    ...node,
    ...(node.text !== undefined ? { text: node.text.replace(/\r\n?/g, '\n') } : {}),
    children: node.children.map(xmlLineEnds),
  };
}

/** Each body decoded by wbxml2xml equals our decoding of it. */
export function expectSameAsLibwbxml(seen: readonly { body: Buffer; tree: EasElement }[]): void {
  for (const { body, tree } of seen)
    expect(comparable(alignLacking(parseXmlTree(wbxml2xmlKeepingSpace(body)), tree))).toEqual(
      comparable(xmlLineEnds(tree)),
    );
}
