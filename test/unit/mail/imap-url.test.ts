/** IMAP URLs (RFC 5092, URLAUTH parts of RFC 4467): examples from the RFCs, errors, and properties. */
import fc from 'fast-check';
import { ImapUrlError, parseImapUrl, resolveImapUrl, type ImapUrl } from '../../../core/mail/imap-url';
import { formatImapUrl, formatImapUrlRump } from '../../../core/mail/imap-url-format';
import { parseUrlSection } from '../../../core/mail/imap-url-section';

const SEED = 20261203;
const RUNS = 300;

describe('parseImapUrl', () => {
  test('a full message-part URL with URLAUTH (RFC 4467 §9 example)', () => {
    const text =
      'imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038';
    const url = parseImapUrl(text);
    expect(url.server).toEqual({ user: 'joe', auth: null, host: 'example.com', port: null });
    expect(url.mailbox).toBe('INBOX');
    expect(url.uid).toBe(20);
    expect(url.section).toBe('1.2');
    expect(url.urlauth).toEqual({
      access: { kind: 'submit', user: 'fred' },
      mechanism: 'INTERNAL',
      token: '91354a473744909de610943775f92038',
    });
    expect(url.rump).toBe('imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred');
  });

  test('user;AUTH=*, port, UIDVALIDITY, PARTIAL, EXPIRE', () => {
    const url = parseImapUrl(
      'imap://alice%40example.org;AUTH=*@Mail.Example.org:143/Lists%2FIETF;UIDVALIDITY=385759045/;UID=7/;SECTION=HEADER/;PARTIAL=10.20;EXPIRE=2026-12-03T10:00:00+01:00;URLAUTH=authuser',
    );
    expect(url.server).toEqual({ user: 'alice@example.org', auth: '*', host: 'mail.example.org', port: 143 });
    expect(url.mailbox).toBe('Lists/IETF');
    expect(url.uidvalidity).toBe(385759045);
    expect(url.partial).toEqual({ start: 10, length: 20 });
    expect(url.expire?.toISOString()).toBe('2026-12-03T09:00:00.000Z');
    expect(url.urlauth).toEqual({ access: { kind: 'authuser' }, mechanism: null, token: null });
  });

  test('mailbox names with "/" and UTF-8', () => {
    expect(parseImapUrl('imap://h/a/b/;UID=1').mailbox).toBe('a/b');
    expect(parseImapUrl('imap://h/Entw%C3%BCrfe;UIDVALIDITY=3/;UID=1').mailbox).toBe('Entwürfe');
  });

  test('relative references of CATENATE (RFC 4469 examples)', () => {
    const abs = parseImapUrl('/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER');
    expect(abs).toMatchObject({
      server: null,
      mailbox: 'Drafts',
      uidvalidity: 385759045,
      uid: 20,
      section: 'HEADER',
    });
    const rel = parseImapUrl(';UID=20/;SECTION=1.MIME');
    expect(rel).toMatchObject({ server: null, mailbox: null, uid: 20, section: '1.MIME' });
    const base = parseImapUrl('imap://joe@h/Drafts;UIDVALIDITY=9');
    expect(resolveImapUrl(rel, base)).toMatchObject({
      mailbox: 'Drafts',
      uidvalidity: 9,
      uid: 20,
      server: base.server,
    });
    expect(resolveImapUrl(abs, base)).toMatchObject({
      mailbox: 'Drafts',
      uidvalidity: 385759045,
      server: base.server,
    });
  });

  test.each([
    ['', 'Empty URL'],
    ['http://example.com/', 'Not an IMAP URL'],
    ['imap://h/INBOX;UID=1', 'Missing "/"'],
    ['imap://h/INBOX/;UID=0', 'Invalid UID'],
    ['imap://h/INBOX/;UID=4294967296', 'Invalid UID'],
    ['imap://h/INBOX/;SECTION=1', 'Missing "/"'],
    ['imap://h/INBOX;SECTION=1', 'Missing "/"'],
    ['imap://h/INBOX/;UID=1/;URLAUTH=anonymous', 'Invalid UID'],
    ['imap://h/INBOX/;UID=1/', 'Trailing'],
    ['imap://h/INBOX/;UID=1;EXPIRE=2026-01-01T00:00:00Z', 'EXPIRE without URLAUTH'],
    ['imap://h/INBOX;URLAUTH=anonymous', 'only to a message'],
    ['imap://h/INBOX/;UID=1;URLAUTH=root', 'access identifier'],
    ['imap://h/INBOX/;UID=1;URLAUTH=anonymous:internal:abc', 'token'],
    ['imap://h/IN%ZZ/;UID=1', 'percent'],
    ['imap://h/IN%FF/;UID=1', 'UTF-8'],
    ['imap://h/IN BOX/;UID=1', 'Invalid character'],
    ['imap://h/INBOX?SUBJECT%20x', 'Search'],
    ['imap://h:99999/', 'port'],
    ['imap://a b@h/', 'Invalid character'],
    ['INBOX/;UID=1', 'Not an IMAP URL'],
    [';SECTION=1;UIDVALIDITY=3', 'out of order'],
  ])('%s is refused (%s)', (text, why) => {
    expect(() => parseImapUrl(text)).toThrow(ImapUrlError);
    expect(() => parseImapUrl(text)).toThrow(new RegExp(why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'));
  });

  test('formatting is canonical and the rump stops before the mechanism', () => {
    const url = parseImapUrl(
      'imap://joe@h/inbox/;uid=20;urlauth=user+ann%40x.org:INTERNAL:' + 'AB'.repeat(16),
    );
    expect(formatImapUrl(url)).toBe(
      `imap://joe@h/inbox/;UID=20;URLAUTH=user+ann%40x.org:internal:${'ab'.repeat(16)}`,
    );
    expect(formatImapUrlRump(url)).toBe('imap://joe@h/inbox/;UID=20;URLAUTH=user+ann%40x.org');
  });
});

describe('parseUrlSection', () => {
  test.each([
    ['1.2', { path: [1, 2], specifier: null, fields: [] }],
    ['HEADER', { path: [], specifier: 'HEADER', fields: [] }],
    ['1.MIME', { path: [1], specifier: 'MIME', fields: [] }],
    ['2.TEXT', { path: [2], specifier: 'TEXT', fields: [] }],
    ['HEADER.FIELDS (From To)', { path: [], specifier: 'HEADER.FIELDS', fields: ['From', 'To'] }],
    ['3.header.fields.not (x)', { path: [3], specifier: 'HEADER.FIELDS.NOT', fields: ['x'] }],
  ])('%s', (text, expected) => expect(parseUrlSection(text)).toEqual(expected));

  test.each(['MIME', '0', '1..2', 'HEADER.FIELDS', 'HEADER (x)', '1.', 'FOO', 'HEADER.FIELDS ()'])(
    '%s is not a section',
    (text) => expect(parseUrlSection(text)).toBeNull(),
  );
});

// Properties ---------------------------------------------------------------------------------

const name = fc.stringMatching(/^[A-Za-z0-9 ._~!$'()*+,&=:@%;?#ü€-]{1,12}$/);
const mailboxName = fc
  .array(name, { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('/'))
  .filter((n) => !n.endsWith('/'));
const section = fc.oneof(
  fc.constantFrom('HEADER', 'TEXT', '1.MIME', '2.3', 'HEADER.FIELDS (FROM TO)', '1.2.HEADER'),
  fc.array(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 3 }).map((p) => p.join('.')),
);
const access = fc.oneof(
  fc.constant({ kind: 'authuser' as const }),
  fc.constant({ kind: 'anonymous' as const }),
  fc.record({ kind: fc.constantFrom('submit' as const, 'user' as const), user: name }),
);
const urlArb: fc.Arbitrary<ImapUrl> = fc
  .record({
    server: fc.record({
      user: fc.option(name, { nil: null }),
      auth: fc.option(fc.constantFrom('*', 'PLAIN', 'GSSAPI'), { nil: null }),
      host: fc.constantFrom('example.com', 'imap.test.example', '127.0.0.1', '[::1]'),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
    }),
    mailbox: mailboxName,
    uidvalidity: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: null }),
    uid: fc.integer({ min: 1, max: 0xffffffff }),
    section: fc.option(section, { nil: null }),
    partial: fc.option(
      fc.record({
        start: fc.integer({ min: 0, max: 0xffffffff }),
        length: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: null }),
      }),
      { nil: null },
    ),
    expire: fc.option(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }), { nil: null }),
    urlauth: fc.option(
      fc.record({
        access,
        mechanism: fc.option(fc.constant('INTERNAL'), { nil: null }),
        token: fc.stringMatching(/^[0-9a-f]{32,64}$/),
      }),
      { nil: null },
    ),
  })
  .map((u) => {
    const expire = u.urlauth ? u.expire : null;
    const urlauth = u.urlauth ? { ...u.urlauth, token: u.urlauth.mechanism ? u.urlauth.token : null } : null;
    const server = u.server.user === null && u.server.auth === null ? { ...u.server } : u.server;
    return {
      ...u,
      server,
      expire: expire ? new Date(Math.floor(expire.getTime() / 1000) * 1000) : null,
      urlauth,
      rump: null,
    };
  });

describe('properties', () => {
  test('parse(format(url)) gives the url back, and the rump is the formatted rump', () => {
    fc.assert(
      fc.property(urlArb, (url) => {
        const text = formatImapUrl(url);
        const parsed = parseImapUrl(text);
        const rump = url.urlauth ? formatImapUrlRump(url) : null;
        expect(parsed).toEqual({ ...url, rump });
        expect(formatImapUrl(parsed)).toBe(text);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('any string either parses or throws ImapUrlError', () => {
    const soup = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'imap://',
            '/',
            ';',
            'UID=',
            'SECTION=',
            'PARTIAL=',
            'URLAUTH=',
            'EXPIRE=',
            ':',
            '@',
            '%',
            '%C3',
            '1',
            '.',
            'INBOX',
            'internal',
            '?',
            ' ',
            'authuser',
            'submit+',
            'UIDVALIDITY=',
          ),
          fc.string({ maxLength: 3 }),
        ),
        { maxLength: 20 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(soup, (text) => {
        try {
          const url = parseImapUrl(text);
          // Whatever parses formats to something that parses to the same URL.
          expect({ ...parseImapUrl(formatImapUrl(url)), rump: null }).toEqual({ ...url, rump: null });
        } catch (error) {
          expect(error).toBeInstanceOf(ImapUrlError);
        }
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  test('parseUrlSection never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const s = parseUrlSection(text);
        if (s) expect(s.path.every((n) => n > 0)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
