import { authenticate, dkimVerify } from 'mailauth';
import { memberCopy, oneClickUrl, splitBase } from '../../../core/lists/posting/personalize';
import { arcSeal } from '../../../core/lists/posting/sign';
import { buildListCopy } from '../../../core/lists/posting/transform';
import { verifyToken } from '../../../core/lists/tokens';
import { header, list, listKey, post } from './fixtures';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'sel._domainkey.lists.test')
    return [[`v=DKIM1; k=rsa; p=${listKey().publicKey}`]];
  throw Object.assign(new Error(`no ${name}`), { code: 'ENOTFOUND' });
};

async function memberCopyOf(memberId: string): Promise<Buffer> {
  const { key } = listKey();
  const base = await arcSeal(buildListCopy({ list, post: post(), authorPolicy: 'reject' }), key);
  const url = oneClickUrl('https://web.test/', secret, list.id, memberId, new Date());
  return memberCopy(splitBase(base), list, url, key);
}

describe('per-member copies', () => {
  it('carry the member one-click URL (a token for that member) and mailto', async () => {
    const copy = await memberCopyOf('42');
    const [value] = header(copy, 'List-Unsubscribe');
    expect(value).toMatch(
      /^<mailto:dev-leave@lists\.test\?subject=unsubscribe>, <https:\/\/web\.test\/webmail\/lists\/unsubscribe\/[0-9a-z-]+>$/,
    );
    const token = /unsubscribe\/([0-9a-z-]+)/.exec(value)![1];
    expect(verifyToken(secret, token, new Date())).toEqual({
      kind: 'unsubscribe',
      listId: '7',
      memberId: '42',
    });
    expect(header(copy, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
  });

  it('are DKIM-signed by the list domain over From, List-Unsubscribe and List-Unsubscribe-Post', async () => {
    const copy = await memberCopyOf('43');
    const result = await dkimVerify(copy, { resolver: resolver as never });
    const ours = result.results.find((r) => r.signingDomain === 'lists.test')!;
    expect(ours.status.result).toBe('pass');
    const h = /\bh=([^;]+)/
      .exec(header(copy, 'DKIM-Signature')[0])![1]
      .replace(/\s+/g, '')
      .toLowerCase()
      .split(':');
    expect(h).toEqual(
      expect.arrayContaining(['from', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']),
    );
  });

  it('keep one ARC set, sealed once per post, valid on every member copy', async () => {
    for (const id of ['1', '2']) {
      const copy = await memberCopyOf(id);
      expect(header(copy, 'ARC-Seal')).toHaveLength(1);
      expect(header(copy, 'ARC-Seal')[0]).toMatch(/\bi=1;.*\bcv=none\b/);
      expect(header(copy, 'ARC-Authentication-Results')[0]).toMatch(/^i=1; mx\.lists\.test; spf=pass/);
      const result = await authenticate(copy, {
        ip: '127.0.0.1',
        helo: 'lists.test',
        sender: 'dev-bounces@lists.test',
        mta: 'receiver.test',
        resolver: resolver as never,
        disableBimi: true,
      });
      expect(result.arc && result.arc.status.result).toBe('pass');
    }
  });

  it('seals a post that arrived with an ARC chain as the next instance', async () => {
    const { key } = listKey();
    const once = await arcSeal(buildListCopy({ list, post: post(), authorPolicy: 'none' }), key);
    const relisted = Buffer.concat([
      Buffer.from('Authentication-Results: mx.other.test; arc=pass\r\n'),
      once,
    ]);
    const twice = await arcSeal(relisted, key);
    expect(
      header(twice, 'ARC-Seal')
        .map((v) => /\bi=(\d)/.exec(v)![1])
        .sort(),
    ).toEqual(['1', '2']);
    expect(header(twice, 'ARC-Seal').find((v) => /\bi=2/.test(v))).toMatch(/\bcv=pass\b/);
  });
});
