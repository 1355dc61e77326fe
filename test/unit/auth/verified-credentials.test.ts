import { VerifiedCredentials } from '../../../core/auth/verified-credentials';

describe('VerifiedCredentials (the login cache)', () => {
  const HASH = '$scrypt$N=32768,r=8,p=1$c2FsdA==$a2V5';

  it('remembers a verified login until the TTL passes', () => {
    let now = 1_000_000;
    const cache = new VerifiedCredentials(60, 100, () => now);
    expect(cache.has('a@x.test', 'secret', HASH)).toBe(false);
    cache.remember('a@x.test', 'secret', HASH);
    expect(cache.has('a@x.test', 'secret', HASH)).toBe(true);
    now += 59_000;
    expect(cache.has('a@x.test', 'secret', HASH)).toBe(true);
    now += 2_000;
    expect(cache.has('a@x.test', 'secret', HASH)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('misses for another password, another address or a changed stored hash', () => {
    const cache = new VerifiedCredentials(60);
    cache.remember('a@x.test', 'secret', HASH);
    expect(cache.has('a@x.test', 'Secret', HASH)).toBe(false);
    expect(cache.has('b@x.test', 'secret', HASH)).toBe(false);
    expect(cache.has('a@x.test', 'secret', `${HASH}x`)).toBe(false);
    // The parts cannot be shifted into one another.
    expect(cache.has('a@x.tests', 'ecret', HASH)).toBe(false);
  });

  it('keeps neither the password nor a digest another process could check', () => {
    const one = new VerifiedCredentials(60);
    const two = new VerifiedCredentials(60);
    one.remember('a@x.test', 'secret', HASH);
    expect(JSON.stringify([...(one as unknown as { entries: Map<string, number> }).entries])).not.toContain(
      'secret',
    );
    expect(two.has('a@x.test', 'secret', HASH)).toBe(false);
  });

  it('is bounded: the oldest entries go first', () => {
    const cache = new VerifiedCredentials(60, 2);
    cache.remember('a@x.test', 'p', HASH);
    cache.remember('b@x.test', 'p', HASH);
    cache.remember('c@x.test', 'p', HASH);
    expect(cache.size).toBe(2);
    expect(cache.has('a@x.test', 'p', HASH)).toBe(false);
    expect(cache.has('c@x.test', 'p', HASH)).toBe(true);
  });

  it('remembers nothing with a TTL of 0', () => {
    const cache = new VerifiedCredentials(0);
    cache.remember('a@x.test', 'secret', HASH);
    expect(cache.has('a@x.test', 'secret', HASH)).toBe(false);
    expect(cache.size).toBe(0);
  });
});
