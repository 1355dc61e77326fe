import libmime from 'libmime';
import { buildListCopy, cameThroughList } from '../../../core/lists/posting/transform';
import { prefixSubject } from '../../../core/lists/posting/subject';
import { parseMessageStructure } from '../../../core/mime';
import { header, list, post } from './fixtures';

const copy = (input: Buffer, authorPolicy: 'none' | 'reject' = 'none', overrides = {}) =>
  buildListCopy({ list: { ...list, ...overrides }, post: input, authorPolicy });

describe('list copy headers', () => {
  it('adds List-Id, the RFC 2369 fields, Precedence, X-Loop and Sender', () => {
    const out = copy(post());
    expect(header(out, 'List-Id')).toEqual(['"Developers" <dev.lists.test>']);
    expect(header(out, 'List-Help')).toEqual(['<mailto:dev-request@lists.test?subject=help>']);
    expect(header(out, 'List-Subscribe')).toEqual(['<mailto:dev-join@lists.test?subject=subscribe>']);
    expect(header(out, 'List-Post')).toEqual(['<mailto:dev@lists.test>']);
    expect(header(out, 'List-Owner')).toEqual(['<mailto:dev-owner@lists.test>']);
    expect(header(out, 'Precedence')).toEqual(['list']);
    expect(header(out, 'X-Loop')).toEqual(['dev@lists.test']);
    expect(header(out, 'Sender')).toEqual(['<dev-bounces@lists.test>']);
    // Unsubscribe fields are per member (personalize.ts), never in the base copy.
    expect(header(out, 'List-Unsubscribe')).toEqual([]);
    expect(cameThroughList(out, 'DEV@lists.test')).toBe(true);
    expect(cameThroughList(post(), 'dev@lists.test')).toBe(false);
  });

  it("replaces a previous list's fields and drops the poster's control headers", () => {
    const out = copy(
      post(
        'List-Id: Other <other.example>\r\nList-Unsubscribe: <mailto:x@example>\r\nX-Nimbus-Folder: Junk\r\nSender: someone@else\r\nPrecedence: bulk\r\n',
      ),
    );
    expect(header(out, 'List-Id')).toEqual(['"Developers" <dev.lists.test>']);
    expect(header(out, 'List-Unsubscribe')).toEqual([]);
    expect(header(out, 'X-Nimbus-Folder')).toEqual([]);
    expect(header(out, 'Sender')).toEqual(['<dev-bounces@lists.test>']);
    expect(header(out, 'Precedence')).toEqual(['list']);
  });

  it('adds Archived-At and List-Archive when the archive returns URLs', () => {
    const out = buildListCopy({
      list,
      post: post(),
      authorPolicy: 'none',
      archive: { url: 'https://web.test/a/1', listUrl: 'https://web.test/a' },
    });
    expect(header(out, 'Archived-At')).toEqual(['<https://web.test/a/1>']);
    expect(header(out, 'List-Archive')).toEqual(['<https://web.test/a>']);
  });
});

describe('subject prefix', () => {
  it('is added once, also behind reply markers', () => {
    expect(header(copy(post()), 'Subject')).toEqual(['[dev] Build is green']);
    expect(prefixSubject('Re: [dev] Build is green', '[dev]')).toBe('Re: [dev] Build is green');
    expect(prefixSubject('RE: AW: [DEV] x', '[dev]')).toBe('RE: AW: [DEV] x');
    expect(prefixSubject('Re: x', '[dev]')).toBe('[dev] Re: x');
    expect(prefixSubject(null, '[dev]')).toBe('[dev]');
    expect(prefixSubject('x', null)).toBe('x');
  });

  it('keeps encoded and 8-bit subjects decodable', () => {
    const encoded = prefixSubject('=?utf-8?q?Caf=C3=A9?=', '[dev]')!;
    expect(encoded).not.toMatch(/[^\x20-\x7e]/);
    expect(libmime.decodeWords(encoded)).toBe('[dev] Café');
    expect(prefixSubject('Re: =?utf-8?q?=5Bdev=5D_Caf=C3=A9?=', '[dev]')).toBe(
      'Re: =?utf-8?q?=5Bdev=5D_Caf=C3=A9?=',
    );
    const raw = Buffer.from('Café', 'utf8').toString('latin1');
    expect(Buffer.from(prefixSubject(raw, '[dev]')!, 'latin1').toString('utf8')).toBe('[dev] Café');
  });
});

describe('DMARC mitigation', () => {
  it('munges From and sets Reply-To to the author for p=reject', () => {
    const out = copy(post(), 'reject');
    expect(header(out, 'From')).toEqual(['"Alice Example via Developers" <dev@lists.test>']);
    expect(header(out, 'Reply-To')).toEqual(['"Alice Example" <alice@remote.test>']);
  });

  it('keeps an existing Reply-To and leaves From alone without a strict policy', () => {
    expect(header(copy(post('Reply-To: <team@remote.test>\r\n'), 'reject'), 'Reply-To')).toEqual([
      '<team@remote.test>',
    ]);
    expect(header(copy(post()), 'From')).toEqual(['Alice Example <alice@remote.test>']);
    expect(header(copy(post(), 'reject', { dmarcMitigation: 'none' }), 'From')).toEqual([
      'Alice Example <alice@remote.test>',
    ]);
  });

  it('wraps the untouched post as message/rfc822 when configured', () => {
    const input = post();
    const out = copy(input, 'reject', { dmarcMitigation: 'wrap', footer: null });
    expect(header(out, 'From')).toEqual(['"Developers" <dev@lists.test>']);
    expect(header(out, 'Subject')).toEqual(['[dev] Build is green']);
    const structure = parseMessageStructure(out);
    expect([structure.body.type, structure.body.subtype]).toEqual(['message', 'rfc822']);
    expect(out.subarray(structure.body.bodyStart, structure.body.bodyEnd).equals(input)).toBe(true);
  });
});
