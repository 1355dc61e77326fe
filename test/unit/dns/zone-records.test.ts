/** core/dns: the records for a domain, their BIND text, the MTA-STS policy; core/smoke targets. */
import fc from 'fast-check';
import { MTA_STS_MAX_AGE, mtaStsPolicy, mtaStsPolicyId, parseMtaStsMode } from '../../../core/dns/mta-sts';
import { formatZone, txtStrings } from '../../../core/dns/zone-format';
import {
  STANDARD_PORTS,
  mailZoneRecords,
  smarthostSpf,
  type ZoneInput,
} from '../../../core/dns/zone-records';
import { parseMtaStsPolicy } from '../../../core/relay/mta-sts';
import { parseTarget } from '../../../core/smoke/smoke-report';

const input: ZoneInput = {
  domain: 'Example.ORG.',
  mailHost: 'mail.example.org',
  webHost: 'web.example.org',
  ports: STANDARD_PORTS,
};

test('names are lower case and absolute-ready; MX names the mail host, CNAMEs the web host', () => {
  const records = mailZoneRecords(input);
  expect(records[0]).toEqual({
    type: 'MX',
    name: 'example.org',
    values: [{ priority: 10, host: 'mail.example.org' }],
  });
  expect(records.filter((r) => r.type === 'CNAME').map((r) => r.name)).toEqual([
    'mta-sts.example.org',
    'autoconfig.example.org',
    'autodiscover.example.org',
  ]);
  // A web host that is itself one of those names gets no CNAME onto itself.
  const self = mailZoneRecords({ ...input, webHost: 'autoconfig.example.org' });
  expect(self.find((r) => r.type === 'CNAME' && r.name === 'autoconfig.example.org')).toBeUndefined();
});

test('SRV: implicit TLS before STARTTLS (RFC 8314), "." for services not offered (RFC 6186)', () => {
  const records = mailZoneRecords({ ...input, ports: { ...STANDARD_PORTS, pop3: null, pop3s: null } });
  const srv = (name: string) => records.find((r) => r.type === 'SRV' && r.name === `${name}.example.org`);
  expect(srv('_submissions._tcp')).toMatchObject({ values: [{ priority: 0, port: 465 }] });
  expect(srv('_submission._tcp')).toMatchObject({ values: [{ priority: 10, port: 587 }] });
  expect(srv('_pop3s._tcp')).toMatchObject({ values: [{ port: 0, target: '.' }] });
  // RFC 5804 §1.8: ManageSieve is found through _sieve._tcp.
  expect(srv('_sieve._tcp')).toMatchObject({
    values: [{ priority: 0, port: 4190, target: 'mail.example.org' }],
  });
  expect(srv('_autodiscover._tcp')).toMatchObject({ values: [{ port: 443, target: 'web.example.org' }] });
});

test('CalDAV and CardDAV discovery (RFC 6764): SRV to the web host on 443, TXT with the context path', () => {
  const records = mailZoneRecords(input);
  for (const service of ['_caldavs._tcp', '_carddavs._tcp']) {
    const name = `${service}.example.org`;
    expect(records.find((r) => r.type === 'SRV' && r.name === name)).toMatchObject({
      values: [{ priority: 0, port: 443, target: 'web.example.org' }],
    });
    expect(records.find((r) => r.type === 'TXT' && r.name === name)).toMatchObject({
      values: ['path=/dav/'],
    });
  }
});

test('SPF for SES smarthosts; bad mechanisms, hosts and report addresses are refused', () => {
  expect(smarthostSpf('email-smtp.eu-west-1.amazonaws.com')).toEqual(['include:amazonses.com']);
  expect(smarthostSpf('smtp.relay.example')).toBeNull();
  expect(() => mailZoneRecords({ ...input, spf: ['a b'] })).toThrow(/SPF mechanism/);
  expect(() => mailZoneRecords({ ...input, spf: ['"x'] })).toThrow(/SPF mechanism/);
  expect(() => mailZoneRecords({ ...input, mailHost: 'localhost' })).toThrow(/not a fully qualified/);
  expect(() => mailZoneRecords({ ...input, reportAddress: 'a@b; p=none' })).toThrow(/report address/);
  expect(() =>
    mailZoneRecords({ ...input, dkim: { name: 'sel._domainkey.other.org', value: 'v=DKIM1' } }),
  ).toThrow(/DKIM record name/);
});

test('the MTA-STS policy parses with the relay parser; its id changes with the policy', () => {
  const testing = mtaStsPolicy({ mode: 'testing', mx: ['mail.example.org'] });
  expect(parseMtaStsPolicy(testing)).toEqual({
    version: 'STSv1',
    mode: 'testing',
    mx: ['mail.example.org'],
    maxAge: MTA_STS_MAX_AGE,
  });
  const enforce = mtaStsPolicy({ mode: 'enforce', mx: ['mail.example.org'] });
  expect(mtaStsPolicyId(testing)).toMatch(/^[0-9a-f]{20}$/);
  expect(mtaStsPolicyId(testing)).not.toBe(mtaStsPolicyId(enforce));
  const record = mailZoneRecords({ ...input, mtaStsMode: 'enforce' }).find(
    (r) => r.name === '_mta-sts.example.org',
  );
  expect(record).toMatchObject({ values: [`v=STSv1; id=${mtaStsPolicyId(enforce)}`] });
  expect(parseMtaStsMode(undefined)).toBe('testing');
  expect(() => parseMtaStsMode('strict')).toThrow(/testing, enforce, none/);
});

test('TXT character-strings: at most 255 each, escaped, concatenating back to the value', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 600 }), (value) => {
      const parts = [...txtStrings(value).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
        m[1].replace(/\\(.)/g, '$1'),
      );
      expect(parts.join('')).toBe(value);
      for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(255);
    }),
    { seed: 12, numRuns: 200 },
  );
  const zone = formatZone(mailZoneRecords(input), 600);
  expect(zone).toMatch(/^example\.org\.\s+600 IN MX\s+10 mail\.example\.org\.$/m);
  expect(zone).toMatch(/^_pop3\._tcp\.example\.org\.\s+600 IN SRV\s+10 1 110 mail\.example\.org\.$/m);
});

test('smoke targets: HOST, HOST:PORT, [v6]:PORT; anything else is refused', () => {
  expect(parseTarget('mail.example.org', 465)).toEqual({ host: 'mail.example.org', port: 465 });
  expect(parseTarget('mail.example.org:2465', 465)).toEqual({ host: 'mail.example.org', port: 2465 });
  expect(parseTarget('[::1]:993', 1)).toEqual({ host: '::1', port: 993 });
  for (const bad of ['', 'a b', 'host:0', 'host:70000', 'host:x', '::1']) {
    expect(() => parseTarget(bad, 1)).toThrow();
  }
});
