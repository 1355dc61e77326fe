import { parseAddressList, parseMessageStructure } from '../../../core/mime';
import { crlf, envelopeString, loadFixture } from './helpers';

const addr = (
  name: string | null,
  mailbox: string | null,
  host: string | null,
  adl: string | null = null,
) => ({
  name,
  adl,
  mailbox,
  host,
});
const GROUP_END = addr(null, null, null);

describe('envelope', () => {
  test('RFC 3501 §7.4.2 example message', () => {
    const { envelope } = parseMessageStructure(loadFixture('simple'));
    // The ENVELOPE from RFC 3501's FETCH example, verbatim.
    expect(envelopeString(envelope)).toBe(
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
        '"<B27397-0100000@cac.washington.edu>")',
    );
  });

  test('In-Reply-To and Message-ID as written; absent fields are null', () => {
    const { envelope } = parseMessageStructure(loadFixture('alternative'));
    expect(envelope).toMatchObject({
      date: null,
      inReplyTo: '<parent@example.com>',
      messageId: '<alt@example.com>',
      cc: null,
      bcc: null,
    });
  });

  test('Sender and Reply-To default to From only when absent', () => {
    const { envelope } = parseMessageStructure(
      crlf('From: a@x.test\nSender: s@x.test\nReply-To: r@x.test, q@x.test\n\n'),
    );
    expect(envelope.sender).toEqual([addr(null, 's', 'x.test')]);
    expect(envelope.replyTo).toEqual([addr(null, 'r', 'x.test'), addr(null, 'q', 'x.test')]);
    const noFrom = parseMessageStructure(crlf('Subject: x\n\n')).envelope;
    expect([noFrom.from, noFrom.sender, noFrom.replyTo]).toEqual([null, null, null]);
  });

  test('encoded-words stay encoded; folded values are unfolded', () => {
    const { envelope } = parseMessageStructure(loadFixture('encoded-words'));
    expect(envelope.subject).toBe(
      '=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=',
    );
    expect(envelope.from).toEqual([addr('=?utf-8?Q?Andr=C3=A9?= Pirard', 'PIRARD', 'vm1.ulg.ac.be')]);
    expect(envelope.to).toEqual([
      addr('Doe, John', 'john', 'example.com'),
      addr(
        '=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=',
        'x',
        'example.com',
      ),
    ]);
  });

  test('raw UTF-8 headers (RFC 6532)', () => {
    const { envelope } = parseMessageStructure(loadFixture('utf8-headers'));
    expect(envelope.subject).toBe('Grüße aus Köln ☕');
    expect(envelope.from).toEqual([addr('Jörg Müller', 'joerg', 'example.de')]);
    expect(envelope.to).toEqual([addr('Zoë Ω', 'zoe', 'example.gr')]);
  });

  test('8-bit header that is not UTF-8 is read as Latin-1, byte for byte', () => {
    const raw = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]);
    expect(parseMessageStructure(raw).envelope.subject).toBe('café');
  });

  test('group syntax (RFC 5322 §A.1.3)', () => {
    const { envelope } = parseMessageStructure(loadFixture('groups'));
    expect(envelope.to).toEqual([
      addr(null, 'A Group', null),
      addr('Ed Jones', 'c', 'a.test'),
      addr(null, 'joe', 'where.test'),
      addr('John', 'jdoe', 'one.test'),
      GROUP_END,
      addr(null, 'after', 'example.com'),
    ]);
    expect(envelope.cc).toEqual([addr(null, 'undisclosed-recipients', null), GROUP_END]);
    expect(envelope.bcc).toEqual([addr(null, 'Empty Group', null), GROUP_END]);
  });

  test('garbage addresses never throw and keep what is recognisable', () => {
    const { envelope } = parseMessageStructure(loadFixture('garbage-addresses'));
    expect(envelope.from).toEqual([addr('"Unterminated', 'broken', 'example.com')]);
    expect(envelope.sender).toEqual([addr(null, 'nodomain', 'MISSING_DOMAIN')]);
    expect(envelope.replyTo).toEqual([addr('Name', 'missing-gt', 'example.com')]);
    expect(envelope.to).toEqual([
      addr('Real Name', 'user', 'host'),
      addr(null, 'angle', 'only.example'),
      addr('quoted"esc', 'q', 'e.x'),
    ]);
    expect(envelope.cc).toEqual([
      addr(null, 'routed', 'example.com', '@route1,@route2'),
      addr(null, '@@', 'MISSING_DOMAIN'),
      addr('Müller', 'm', 'ü.example'),
    ]);
    // An unterminated quote before a colon still reads as a group, closed at the end.
    expect(envelope.bcc).toEqual([
      addr(null, '"unterminated group', null),
      addr(null, 'a', 'b.c'),
      GROUP_END,
    ]);
  });
});

describe('parseAddressList', () => {
  test.each([
    ['', null],
    ['   ', null],
    [', ,', null],
    ['<>', [addr(null, 'MISSING_MAILBOX', 'MISSING_DOMAIN')]],
    ['"John Q. Public" <jqp@example.com>', [addr('John Q. Public', 'jqp', 'example.com')]],
    ['John Q. Public <jqp@example.com>', [addr('John Q. Public', 'jqp', 'example.com')]],
    ['Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>', [addr('Pete', 'pete', 'silly.test')]],
    [
      '"Giant; \\"Big\\" Box" <sysservices@example.net>',
      [addr('Giant; "Big" Box', 'sysservices', 'example.net')],
    ],
    ['"joe smith"@example.com', [addr(null, 'joe smith', 'example.com')]],
    ['user@[192.0.2.1]', [addr(null, 'user', '[192.0.2.1]')]],
    ['a@b.c (comment (nested)) ', [addr('comment (nested)', 'a', 'b.c')]],
    ['Name <a@b.c> (trailing)', [addr('Name', 'a', 'b.c')]],
    ['<a@b.c> (only comment)', [addr('only comment', 'a', 'b.c')]],
    ['a@b.c; d@e.f', [addr(null, 'a', 'b.c'), addr(null, 'd', 'e.f')]],
    ['G: a@b.c', [addr(null, 'G', null), addr(null, 'a', 'b.c'), GROUP_END]],
    ['"unterminated', [addr(null, '"unterminated', 'MISSING_DOMAIN')]],
    ['x@y.z (unterminated comment', [addr('unterminated comment', 'x', 'y.z')]],
  ])('%j', (input, expected) => {
    expect(parseAddressList(input)).toEqual(expected);
  });

  test('null header gives null', () => {
    expect(parseAddressList(null)).toBeNull();
  });
});
