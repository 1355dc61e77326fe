import { decodeXtext, parseCommandLine, parsePathCommand } from '../../../containers/smtp/command-parser';
import { DataDecoder } from '../../../containers/smtp/data-decoder';
import { InputBuffer } from '../../../containers/smtp/input-buffer';

describe('SMTP command parsing', () => {
  it('splits verb and argument', () => {
    expect(parseCommandLine('mail FROM:<a@b.c> SIZE=10')).toEqual({
      verb: 'MAIL',
      argument: 'FROM:<a@b.c> SIZE=10',
    });
  });

  it('parses paths with parameters, null paths and source routes', () => {
    const mail = parsePathCommand('FROM:<a@b.example> SIZE=100 BODY=8BITMIME SMTPUTF8', 'FROM');
    expect(mail.ok && mail.value.address).toBe('a@b.example');
    expect(mail.ok && Object.fromEntries(mail.value.params)).toEqual({
      SIZE: '100',
      BODY: '8BITMIME',
      SMTPUTF8: true,
    });
    const bounce = parsePathCommand('FROM:<>', 'FROM');
    expect(bounce.ok && bounce.value.address).toBe('');
    const routed = parsePathCommand('TO:<@relay.example,@other.example:user@final.example>', 'TO');
    expect(routed.ok && routed.value.address).toBe('user@final.example');
    const quoted = parsePathCommand('TO:<"a>b"@x.example>', 'TO');
    expect(quoted.ok && quoted.value.address).toBe('"a>b"@x.example');
  });

  it.each(['FROM:a@b.c', 'FROM:<a@b.c', 'TO:<a@b.c>', 'FROM:<a@b.c> SIZE=1 SIZE=2', 'FROM:<a@b.c> =x'])(
    'rejects %s',
    (argument) => {
      expect(parsePathCommand(argument, 'FROM').ok).toBe(false);
    },
  );

  it('decodes xtext', () => {
    expect(decodeXtext('rfc822;a+2Bb@example.org')).toBe('rfc822;a+b@example.org');
  });
});

describe('reading lines', () => {
  it('reports an over-long line once and skips it even when it arrives in pieces', () => {
    const input = new InputBuffer();
    input.push(Buffer.from('x'.repeat(100)));
    expect(input.readLine(50)).toBe('too-long');
    input.push(Buffer.from('y'.repeat(100)));
    expect(input.readLine(50)).toBeNull();
    input.push(Buffer.from('zz\r\nNOOP\r\n'));
    expect(input.readLine(50)?.toString()).toBe('NOOP');
  });
});

describe('DATA decoding', () => {
  const options = { maxSize: 1000, maxLineLength: 100, rejectBareLineEndings: true, allow8bitHeaders: false };
  const feed = (decoder: DataDecoder, text: string) => {
    for (const line of text.match(/[^\n]*\n/g) ?? [])
      if (decoder.feedLine(Buffer.from(line, 'latin1'))) return true;
    return false;
  };

  it('removes dot-stuffing and stops only at CRLF.CRLF', () => {
    const decoder = new DataDecoder(options);
    expect(feed(decoder, 'Subject: x\r\n\r\n..dot\r\n.\r\n')).toBe(true);
    expect(decoder.problem).toBeNull();
    expect(decoder.result().toString()).toBe('Subject: x\r\n\r\n.dot\r\n');
  });

  it.each([
    ['bare LF', 'Subject: x\r\n\r\nbare\nlf\r\n.\r\n', 'bare-line-ending'],
    ['bare CR', 'Subject: x\r\n\r\nbare\rcr\r\n.\r\n', 'bare-line-ending'],
    ['NUL', 'Subject: x\r\n\r\na\0b\r\n.\r\n', 'nul'],
    ['long line', `Subject: x\r\n\r\n${'a'.repeat(200)}\r\n.\r\n`, 'line-too-long'],
    ['too big', `Subject: x\r\n\r\n${'a'.repeat(90)}\r\n`.repeat(20) + '.\r\n', 'too-big'],
    ['8-bit header', 'Subject: Gr\xfc\xdfe\r\n\r\nx\r\n.\r\n', '8bit-header'],
  ])('flags %s but reads to the end', (_name, text, problem) => {
    const decoder = new DataDecoder(options);
    expect(feed(decoder, text)).toBe(true);
    expect(decoder.problem).toBe(problem);
  });
});
