import { isValidAddress, normaliseDomain, parseAddress } from '../../../core/mail/address';

describe('addresses', () => {
  it('normalises the domain and keeps the local part', () => {
    expect(parseAddress('Alice.Smith@Example.ORG.')).toEqual({
      local: 'Alice.Smith',
      domain: 'example.org',
      address: 'Alice.Smith@example.org',
      key: 'alice.smith@example.org',
    });
  });

  it('converts international domains to punycode', () => {
    expect(normaliseDomain('bücher.example')).toBe('xn--bcher-kva.example');
  });

  it('accepts UTF-8 local parts only with SMTPUTF8', () => {
    expect(isValidAddress('jösé@example.org')).toBe(false);
    expect(isValidAddress('jösé@example.org', { utf8: true })).toBe(true);
  });

  it.each([
    'plainaddress',
    '@example.org',
    'user@',
    'user@[127.0.0.1]',
    'a..b@example.org',
    'user@-bad-.example',
    'user@example',
    'us er@example.org',
    `${'x'.repeat(65)}@example.org`,
  ])('rejects %s', (address) => {
    expect(isValidAddress(address)).toBe(false);
  });

  it('accepts quoted local parts', () => {
    expect(parseAddress('"john doe"@example.org').local).toBe('"john doe"');
  });
});
