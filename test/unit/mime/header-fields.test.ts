import {
  filterHeaderFields,
  parseHeaderFields,
  parseMessageStructure,
  resolveSection,
} from '../../../core/mime';
import { crlf, cut, loadFixture } from './helpers';

describe('parseHeaderFields', () => {
  test('unfolds values and keeps the raw bytes of every field', () => {
    const header = crlf('Subject: one\n two\nX-Empty:\nReceived : from a\n\tby b\n\nbody: not a header\n');
    const fields = parseHeaderFields(header);
    expect(fields.map(({ name, value }) => ({ name, value }))).toEqual([
      { name: 'Subject', value: 'one two' },
      { name: 'X-Empty', value: '' },
      { name: 'Received', value: 'from a\tby b' },
    ]);
    expect(fields.map((f) => f.raw.toString())).toEqual([
      'Subject: one\r\n two\r\n',
      'X-Empty:\r\n',
      'Received : from a\r\n\tby b\r\n',
    ]);
  });

  test('stops at a line that is not a header field', () => {
    const fields = parseHeaderFields(Buffer.from('A: 1\nnot a header\nB: 2\n'));
    expect(fields.map((f) => f.name)).toEqual(['A']);
  });
});

describe('filterHeaderFields', () => {
  const raw = loadFixture('simple');
  const s = parseMessageStructure(raw);
  const header = raw.subarray(0, s.headerSize);

  test('HEADER.FIELDS keeps message order and original lines, ends with CRLF', () => {
    expect(filterHeaderFields(header, ['subject', 'CC', 'x-missing']).toString()).toBe(
      'Subject: IMAP4rev1 WG mtg summary and minutes\r\n' +
        'cc: minutes@CNRI.Reston.VA.US,\r\n John Klensin <KLENSIN@MIT.EDU>\r\n\r\n',
    );
  });

  test('HEADER.FIELDS.NOT', () => {
    const out = filterHeaderFields(
      header,
      ['Date', 'cc', 'To', 'Message-Id', 'MIME-Version', 'Content-Type'],
      true,
    );
    expect(out.toString()).toBe(
      'From: Terry Gray <gray@cac.washington.edu>\r\nSubject: IMAP4rev1 WG mtg summary and minutes\r\n\r\n',
    );
  });

  test('no match gives just the terminating CRLF', () => {
    expect(filterHeaderFields(header, ['X-None']).toString()).toBe('\r\n');
  });

  test('works on an encapsulated message header and converts bare LF', () => {
    const nested = loadFixture('nested-rfc822');
    const section = resolveSection(parseMessageStructure(nested), [2])!;
    const inner = Buffer.from(cut(nested, section.header));
    expect(filterHeaderFields(inner, ['subject']).toString()).toBe('Subject: inner\r\n\r\n');

    const lf = loadFixture('bare-lf', 'raw');
    const lfHeader = lf.subarray(0, parseMessageStructure(lf).headerSize);
    expect(filterHeaderFields(lfHeader, ['subject']).toString()).toBe('Subject: bare LF\r\n\r\n');
  });

  test('last field without a line break (header with no body) still ends in CRLF', () => {
    expect(filterHeaderFields(Buffer.from('Subject: x\r\nFrom: a@b'), ['from']).toString()).toBe(
      'From: a@b\r\n\r\n',
    );
  });
});
