/**
 * WBXML 1.3 encoder for ActiveSync: the header MS-ASWBXML shows (version 1.3, unknown public
 * identifier, UTF-8, empty string table), SWITCH_PAGE only when the page changes, text as
 * STR_I and opaque data as OPAQUE. Throws WbxmlError for a name not on its page or text with NUL.
 */
import { tagToken } from './code-pages';
import { WbxmlError } from './errors';
import type { EasElement } from './tree';

const HEADER = [0x03, 0x01, 0x6a, 0x00];

function mbUint(value: number, out: number[]): void {
  const bytes = [value & 0x7f];
  for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
  out.push(...bytes);
}

export function encodeWbxml(root: EasElement): Buffer {
  const chunks: Buffer[] = [];
  let pending: number[] = [...HEADER];
  const flush = () => {
    if (pending.length) chunks.push(Buffer.from(pending));
    pending = [];
  };
  let page = 0;
  // Explicit stack: [node, closing?]; closing entries write END.
  const work: [EasElement, boolean][] = [[root, false]];
  while (work.length) {
    const [node, closing] = work.pop()!;
    if (closing) {
      pending.push(0x01);
      continue;
    }
    const token = tagToken(node.page, node.name);
    if (token === undefined)
      throw new WbxmlError('unknown-token', `no tag ${node.name} on code page ${node.page}`);
    if (node.page !== page) {
      pending.push(0x00, node.page);
      page = node.page;
    }
    const text = node.text ?? '';
    const hasContent = text.length > 0 || node.opaque !== undefined || node.children.length > 0;
    pending.push(hasContent ? token | 0x40 : token);
    if (!hasContent) continue;
    if (text.length > 0) {
      if (text.includes('\0')) throw new WbxmlError('malformed', `text of ${node.name} contains NUL`);
      pending.push(0x03);
      flush();
      chunks.push(Buffer.from(text, 'utf8'));
      pending.push(0x00);
    }
    if (node.opaque !== undefined) {
      pending.push(0xc3);
      mbUint(node.opaque.length, pending);
      flush();
      chunks.push(node.opaque);
    }
    work.push([node, true]);
    for (let i = node.children.length - 1; i >= 0; i--) work.push([node.children[i], false]);
  }
  flush();
  return Buffer.concat(chunks);
}
