import { Srs, isSrsLocalPart } from '../../../core/mail/srs';

const srs = new Srs(Buffer.from('a test secret of enough length'));
const day = 86_400_000;
const now = new Date('2026-11-29T10:00:00Z');
const localOf = (address: string) => address.slice(0, address.lastIndexOf('@'));

describe('SRS0 sender rewriting', () => {
  it('rewrites to the forwarding domain and reverses to the original sender', () => {
    const rewritten = srs.forward('Alice@Example.org', 'forwarder.test', now);
    expect(rewritten).toMatch(/^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=Example\.org=Alice@forwarder\.test$/);
    expect(isSrsLocalPart(localOf(rewritten))).toBe(true);
    expect(srs.reverse(localOf(rewritten), now)).toBe('Alice@Example.org');
    // Local parts may arrive case-folded: the hash check ignores case, like libsrs2.
    expect(srs.reverse(localOf(rewritten).toLowerCase(), now)).toBe('alice@example.org');
  });

  it('leaves the null sender alone', () => {
    expect(srs.forward('', 'forwarder.test', now)).toBe('');
  });

  it('refuses forged hashes, other secrets and addresses older than 21 days', () => {
    const local = localOf(srs.forward('bob@example.org', 'forwarder.test', now));
    const forged = local.replace(/^SRS0=(.{4})/, 'SRS0=AAAA');
    expect(srs.reverse(forged, now)).toBeNull();
    expect(new Srs(Buffer.from('another secret entirely')).reverse(local, now)).toBeNull();
    expect(srs.reverse(local, new Date(now.getTime() + 21 * day))).toBe('bob@example.org');
    expect(srs.reverse(local, new Date(now.getTime() + 22 * day))).toBeNull();
    expect(srs.reverse('SRS0=xxxx', now)).toBeNull();
    expect(srs.reverse('alice', now)).toBeNull();
  });

  it('survives the 1024-day timestamp wrap', () => {
    const before = new Date(Math.floor(now.getTime() / (1024 * day)) * 1024 * day + 1023 * day);
    const local = localOf(srs.forward('carol@example.org', 'forwarder.test', before));
    expect(srs.reverse(local, new Date(before.getTime() + 2 * day))).toBe('carol@example.org');
  });
});
