/**
 * WBXML 1.x decoder for ActiveSync (MS-ASWBXML over WAP-192-WBXML): SWITCH_PAGE, END, STR_I,
 * STR_T with the string table, ENTITY, OPAQUE and tags with content. Attributes, LITERAL tags,
 * PI and EXT tokens have no use in ActiveSync and are refused. Iterative (an explicit stack), so
 * deep input cannot overflow the call stack; every failure is a WbxmlError.
 */
import { tagName } from './code-pages';
import { DEFAULT_WBXML_LIMITS, WbxmlError, type WbxmlLimits } from './errors';
import type { EasElement } from './tree';

const SWITCH_PAGE = 0x00;
const END = 0x01;
const ENTITY = 0x02;
const STR_I = 0x03;
const STR_T = 0x83;
const OPAQUE = 0xc3;
const UTF8 = 0x6a;

class Reader {
  offset = 0;
  constructor(readonly bytes: Buffer) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new WbxmlError('truncated', 'unexpected end of WBXML');
    return this.bytes[this.offset++];
  }

  /** mb_u_int32: 7 bits a byte, high bit = more; at most 5 bytes. */
  mbUint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) break;
        return value;
      }
    }
    throw new WbxmlError('malformed', 'multi-byte integer too long');
  }

  take(length: number): Buffer {
    if (length > this.bytes.length - this.offset) throw new WbxmlError('truncated', 'data runs past the end');
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  cString(): string {
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0) throw new WbxmlError('truncated', 'unterminated inline string');
    const text = this.bytes.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return text;
  }
}

function tableString(table: Buffer, index: number): string {
  if (index >= table.length) throw new WbxmlError('malformed', 'string table reference out of range');
  const end = table.indexOf(0, index);
  return table.toString('utf8', index, end < 0 ? table.length : end);
}

export function decodeWbxml(input: Buffer, limits: WbxmlLimits = DEFAULT_WBXML_LIMITS): EasElement {
  if (input.length > limits.maxBytes)
    throw new WbxmlError('too-large', `WBXML of ${input.length} bytes exceeds ${limits.maxBytes}`);
  const r = new Reader(input);
  const version = r.byte();
  if (version > 0x03) throw new WbxmlError('unsupported', `WBXML version 0x${version.toString(16)}`);
  // Public identifier: 0 means "a string in the string table" (index follows).
  if (r.mbUint() === 0) r.mbUint();
  const charset = r.mbUint();
  if (charset !== UTF8 && charset !== 0)
    throw new WbxmlError('unsupported', `charset MIBenum ${charset} (only UTF-8)`);
  const table = r.take(r.mbUint());

  let page = 0;
  let root: EasElement | null = null;
  let elements = 0;
  const stack: EasElement[] = [];
  const appendText = (text: string) => {
    const top = stack[stack.length - 1];
    if (!top) throw new WbxmlError('malformed', 'character data outside the root element');
    top.text = (top.text ?? '') + text;
  };

  while (r.offset < input.length) {
    const token = r.byte();
    switch (token) {
      case SWITCH_PAGE:
        page = r.byte();
        continue;
      case END:
        if (!stack.pop()) throw new WbxmlError('malformed', 'END without an open element');
        if (stack.length === 0) {
          if (r.offset !== input.length) throw new WbxmlError('malformed', 'data after the root element');
          return root!;
        }
        continue;
      case STR_I:
        appendText(r.cString());
        continue;
      case STR_T:
        appendText(tableString(table, r.mbUint()));
        continue;
      case ENTITY: {
        const code = r.mbUint();
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
          throw new WbxmlError('malformed', 'ENTITY is not a Unicode scalar value');
        appendText(String.fromCodePoint(code));
        continue;
      }
      case OPAQUE: {
        const top = stack[stack.length - 1];
        if (!top) throw new WbxmlError('malformed', 'OPAQUE outside the root element');
        const data = Buffer.from(r.take(r.mbUint()));
        top.opaque = top.opaque ? Buffer.concat([top.opaque, data]) : data;
        continue;
      }
    }
    const id = token & 0x3f;
    if (id < 5)
      throw new WbxmlError('unsupported', `global token 0x${token.toString(16)} is not used by ActiveSync`);
    if (token & 0x80) throw new WbxmlError('unsupported', 'attributes are not used by ActiveSync');
    const name = tagName(page, id);
    if (!name) throw new WbxmlError('unknown-token', `unknown tag 0x${id.toString(16)} on code page ${page}`);
    if (++elements > limits.maxElements)
      throw new WbxmlError('too-many', `more than ${limits.maxElements} elements`);
    const node: EasElement = { page, name, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (root) throw new WbxmlError('malformed', 'more than one root element');
    else root = node;
    if (token & 0x40) {
      if (stack.length >= limits.maxDepth)
        throw new WbxmlError('too-deep', `elements nested deeper than ${limits.maxDepth}`);
      stack.push(node);
    } else if (!parent) {
      if (r.offset !== input.length) throw new WbxmlError('malformed', 'data after the root element');
      return node;
    }
  }
  throw new WbxmlError('truncated', root ? 'document ends inside an element' : 'no root element');
}
