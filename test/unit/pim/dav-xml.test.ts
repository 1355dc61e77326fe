/** The WebDAV request parser survives any input: an element, null, or a DavError (4xx), never anything else. */
import fc from 'fast-check';
import { DavError, parseXml } from '../../../functions/dav/xml';

const fragments = fc.constantFrom(
  '<d:propfind xmlns:d="DAV:">',
  '</d:propfind>',
  '<d:prop>',
  '</d:prop>',
  '<x:y xmlns:x="urn:x"/>',
  '<!DOCTYPE a [<!ENTITY e "e">]>',
  '&e;',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  '<a b="',
  '<',
  '>',
  '\u0000',
  '\uD800',
  'text',
);

function outcome(input: Buffer): void {
  try {
    parseXml(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DavError);
    expect((error as DavError).status).toBeGreaterThanOrEqual(400);
    expect((error as DavError).status).toBeLessThan(500);
  }
}

test('random fragments and bytes', () => {
  fc.assert(
    fc.property(fc.array(fragments, { maxLength: 40 }), (parts) => outcome(Buffer.from(parts.join('')))),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => outcome(Buffer.from(bytes))),
    { numRuns: 500 },
  );
});

test('deep nesting is refused without exhausting the stack', () => {
  expect(() => parseXml(Buffer.from('<a>'.repeat(50_000) + '</a>'.repeat(50_000)))).toThrow(DavError);
});
