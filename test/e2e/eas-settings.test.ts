/**
 * ActiveSync Settings and ValidateCert over real HTTP against a node: Oof Set lands in the
 * vacation responder (the jmap_vacation row JMAP's VacationResponse reads) and the next delivery
 * gets an auto-reply; Oof Get reads it back; bad Oof input is Status 5/6; UserInformation gives
 * the address (Accounts in 14.1+); DeviceInformation is kept with the device; ValidateCert calls a
 * self-signed certificate and one from an untrusted chain untrusted, a forged one badly signed.
 */
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import { child, childrenNamed, el, textAt, type EasElement } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE } from '../helpers/eas-client';
import { eventually } from '../helpers/eventually';
import { LIBWBXML, LIBWBXML_MISSING } from '../unit/eas/libwbxml';
import { expectSameAsLibwbxml } from './eas-golden';
import { WebHarness } from './web-harness';

let h: WebHarness;
const ALICE = 'alice@settings.example';
const BOB = 'bob@settings.example';
const PASSWORD = 'correct horse battery 6';
const clients: EasClient[] = [];
let alice: EasClient;

const S = (name: string, ...content: (EasElement | string | number | false)[]) =>
  el('Settings', name, ...content);
const settings = (...parts: EasElement[]) => S('Settings', ...parts);
const message = (audience: string, text: string, type = 'Text') =>
  S('OofMessage', S(audience), S('Enabled', '1'), S('ReplyMessage', text), S('BodyType', type));

async function client(user: string, deviceId: string, version = '16.1'): Promise<EasClient> {
  const c = new EasClient(h.base, user, PASSWORD, { ...IPHONE, deviceId, version });
  clients.push(c);
  await c.provision();
  return c;
}

beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.addUser(ALICE, PASSWORD);
  await h.addUser(BOB, PASSWORD);
  alice = await client(ALICE, 'SettingsAlice');
}, 120_000);
afterAll(async () => h?.stop());

describe('Settings Oof', () => {
  it('sets the vacation responder, reads it back, and replies to the next message', async () => {
    const res = await alice.post(
      'Settings',
      settings(
        S(
          'Oof',
          S(
            'Set',
            S('OofState', '1'),
            message('AppliesToInternal', 'I am away until Monday.'),
            message('AppliesToExternalUnknown', 'Away.'),
          ),
        ),
      ),
    );
    expect(textAt(res.tree!, 'Status')).toBe('1');
    expect(textAt(child(res.tree!, 'Oof'), 'Status')).toBe('1');
    const row = await h.node.web!.db.query<{ is_enabled: boolean; text_body: string }>(
      `SELECT v.is_enabled, v.text_body FROM jmap_vacation v JOIN accounts a ON a.id = v.account_id WHERE a.address = $1`,
      [ALICE],
    );
    expect(row.rows[0]).toEqual({ is_enabled: true, text_body: 'I am away until Monday.' });

    const got = await alice.post('Settings', settings(S('Oof', S('Get', S('BodyType', 'Text')))));
    const get = child(child(got.tree!, 'Oof'), 'Get');
    expect(textAt(get, 'OofState')).toBe('1');
    const messages = childrenNamed(get, 'OofMessage');
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => [textAt(m, 'Enabled'), textAt(m, 'ReplyMessage')])).toEqual(
      Array(3).fill(['1', 'I am away until Monday.']),
    );

    await eventually(() => h.sendSmtp(BOB, ALICE, 'Are you there?').then(() => true), 20_000, 500);
    const reply = await eventually(async () => {
      const r = await h.node.web!.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         JOIN accounts a ON a.id = b.account_id WHERE a.address = $1 AND b.name = 'INBOX'`,
        [BOB],
      );
      return Number(r.rows[0].n) > 0;
    }, 20_000);
    expect(reply).toBe(true);
  });

  it('sets a time-based absence, turns it off, and refuses bad input', async () => {
    const timed = await alice.post(
      'Settings',
      settings(
        S(
          'Oof',
          S(
            'Set',
            S('OofState', '2'),
            S('StartTime', '2030-01-01T00:00:00.000Z'),
            S('EndTime', '2030-01-08T00:00:00.000Z'),
            message('AppliesToInternal', '<p>On <b>holiday</b></p>', 'HTML'),
          ),
        ),
      ),
    );
    expect(textAt(child(timed.tree!, 'Oof'), 'Status')).toBe('1');
    const got = child(
      child((await alice.post('Settings', settings(S('Oof', S('Get', S('BodyType', 'HTML')))))).tree!, 'Oof'),
      'Get',
    );
    expect([textAt(got, 'OofState'), textAt(got, 'StartTime'), textAt(got, 'EndTime')]).toEqual([
      '2',
      '2030-01-01T00:00:00.000Z',
      '2030-01-08T00:00:00.000Z',
    ]);
    expect(textAt(child(got, 'OofMessage'), 'ReplyMessage')).toBe('<p>On <b>holiday</b></p>');
    expect(textAt(child(got, 'OofMessage'), 'BodyType')).toBe('HTML');

    const bad = await alice.post(
      'Settings',
      settings(
        S('Oof', S('Set', S('OofState', '7'))),
        S(
          'Oof',
          S(
            'Set',
            S('OofState', '2'),
            S('StartTime', '2030-01-08T00:00:00.000Z'),
            S('EndTime', '2030-01-01T00:00:00.000Z'),
          ),
        ),
        S('Oof', S('Set', S('OofState', '0'))),
      ),
    );
    expect(childrenNamed(bad.tree!, 'Oof').map((o) => textAt(o, 'Status'))).toEqual(['5', '6', '1']);
    const off = child(
      child((await alice.post('Settings', settings(S('Oof', S('Get', S('BodyType', 'Text')))))).tree!, 'Oof'),
      'Get',
    );
    expect(textAt(off, 'OofState')).toBe('0');
  });
});

describe('Settings DeviceInformation, UserInformation, DevicePassword, RightsManagementInformation', () => {
  it('answers each part', async () => {
    const res = await alice.post(
      'Settings',
      settings(
        S(
          'DeviceInformation',
          S('Set', S('Model', 'iPhone16,1'), S('FriendlyName', 'Work phone'), S('OS', 'iOS 18.1')),
        ),
        S('UserInformation', S('Get')),
        S('DevicePassword', S('Set', S('Password', 'secret'))),
        S('RightsManagementInformation', S('Get')),
      ),
    );
    const tree = res.tree!;
    expect(tree.children.map((c) => [c.name, c.name === 'Status' ? c.text : textAt(c, 'Status')])).toEqual([
      ['Status', '1'],
      ['DeviceInformation', '1'],
      ['UserInformation', '1'],
      ['DevicePassword', '1'],
      ['RightsManagementInformation', '1'],
    ]);
    const account = child(child(child(child(tree, 'UserInformation'), 'Get'), 'Accounts'), 'Account');
    expect(textAt(child(account, 'EmailAddresses'), 'PrimarySmtpAddress')).toBe(ALICE);
    const devices = (await h.node.admin({ op: 'eas.devices', address: ALICE })) as {
      deviceId: string;
      model: string;
    }[];
    expect(devices.find((d) => d.deviceId === 'SettingsAlice')?.model).toBe('iPhone16,1');

    const old = await client(ALICE, 'SettingsAlice14', '14.0');
    const info = child(
      child((await old.post('Settings', settings(S('UserInformation', S('Get'))))).tree!, 'UserInformation'),
      'Get',
    );
    expect(textAt(child(info, 'EmailAddresses'), 'SMTPAddress')).toBe(ALICE);
    expect(child(info, 'Accounts')).toBeUndefined();
  });
});

describe('ValidateCert', () => {
  const V = (name: string, ...content: (EasElement | string | false)[]) =>
    el('ValidateCert', name, ...content);
  const der = (pem: string) => new X509Certificate(pem).raw.toString('base64');

  it('calls self-signed and untrusted-chain certificates untrusted, forged ones badly signed', async () => {
    type Extensions = NonNullable<NonNullable<Parameters<typeof selfsigned.generate>[1]>['extensions']>;
    const ext: Extensions = [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', emailProtection: true },
    ];
    const caExt: Extensions = [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
    ];
    const opts = {
      keyType: 'ec' as const,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 30 * 86400_000),
    };
    const self = await selfsigned.generate([{ name: 'commonName', value: ALICE }], {
      ...opts,
      extensions: ext,
    });
    const ca = await selfsigned.generate([{ name: 'commonName', value: 'Settings Test CA' }], {
      ...opts,
      extensions: caExt,
    });
    const impostor = await selfsigned.generate([{ name: 'commonName', value: 'Settings Test CA' }], {
      ...opts,
      extensions: caExt,
    });
    const signed = await selfsigned.generate([{ name: 'commonName', value: ALICE }], {
      ...opts,
      extensions: ext,
      ca: { key: ca.private, cert: ca.cert },
    });
    const res = await alice.post(
      'ValidateCert',
      V(
        'ValidateCert',
        V('CertificateChain', V('Certificate', der(impostor.cert))),
        V(
          'Certificates',
          V('Certificate', der(self.cert)),
          V('Certificate', der(signed.cert)),
          V('Certificate', 'bm8gY2VydGlmaWNhdGU='),
        ),
        V('CheckCRL', '1'),
      ),
    );
    expect(textAt(res.tree!, 'Status')).toBe('1');
    expect(childrenNamed(res.tree!, 'Certificate').map((c) => textAt(c, 'Status'))).toEqual(['4', '3', '5']);
    const chained = await alice.post(
      'ValidateCert',
      V(
        'ValidateCert',
        V('CertificateChain', V('Certificate', der(ca.cert))),
        V('Certificates', V('Certificate', der(signed.cert))),
      ),
    );
    // A chain ending in a root the system does not trust.
    expect(textAt(child(chained.tree!, 'Certificate'), 'Status')).toBe('4');
    expect(textAt((await alice.post('ValidateCert', V('ValidateCert'))).tree!, 'Status')).toBe('2');
  });
});

(LIBWBXML ? it : it.skip)('every response body decodes the same with wbxml2xml', () => {
  const bodies = clients
    .flatMap((c) => c.seen)
    .filter((s) => ['Settings', 'ValidateCert'].includes(s.command));
  expect(bodies.length).toBeGreaterThan(8);
  expectSameAsLibwbxml(bodies);
});
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
