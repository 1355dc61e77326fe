import { ipToBigInt, isIPv4, isIPv6 } from '../../core/util/ip';
import { NetworkList } from '../../core/security/network-list';

describe('IP addresses without node:net', () => {
  it.each(['127.0.0.1', '0.0.0.0', '255.255.255.255', '10.1.2.3'])('%s is IPv4', (a) =>
    expect(isIPv4(a)).toBe(true),
  );
  it.each(['256.1.1.1', '1.2.3', '01.2.3.4x', 'example.org', '::1'])('%s is not IPv4', (a) =>
    expect(isIPv4(a)).toBe(false),
  );
  it.each(['::1', '2001:db8::1', 'fe80::1:2:3:4', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8'])('%s is IPv6', (a) =>
    expect(isIPv6(a)).toBe(true),
  );
  it.each(['1.2.3.4', '2001:db8:::1', 'gggg::1', '1:2:3:4:5:6:7:8:9', 'example.org'])('%s is not IPv6', (a) =>
    expect(isIPv6(a)).toBe(false),
  );

  it('converts to numbers', () => {
    expect(ipToBigInt('1.2.3.4')).toEqual({ bits: 32, value: 0x01020304n });
    expect(ipToBigInt('::1')).toEqual({ bits: 128, value: 1n });
    expect(ipToBigInt('2001:db8::')).toEqual({ bits: 128, value: 0x20010db8n << 96n });
  });

  it('matches networks of both families', () => {
    const list = new NetworkList(['127.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1']);
    expect(list.contains('127.9.8.7')).toBe(true);
    expect(list.contains('::ffff:127.0.0.1')).toBe(true);
    expect(list.contains('192.0.2.7')).toBe(true);
    expect(list.contains('192.0.2.8')).toBe(false);
    expect(list.contains('2001:db8:ffff::1')).toBe(true);
    expect(list.contains('2001:db9::1')).toBe(false);
    expect(list.contains('::1')).toBe(true);
    expect(list.contains('::2')).toBe(false);
    expect(list.contains('not an ip')).toBe(false);
    expect(new NetworkList([]).contains('127.0.0.1')).toBe(false);
    expect(new NetworkList(['0.0.0.0/0']).contains('8.8.8.8')).toBe(true);
    expect(() => new NetworkList(['10.0.0.0/33'])).toThrow(/invalid network/);
    expect(() => new NetworkList(['nonsense/8'])).toThrow(/invalid network/);
  });
});
