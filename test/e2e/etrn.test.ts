import pino from 'pino';
import { RelayDomainStore } from '../../core/relay-domains/relay-domain-store';
import { RelayDomainRouting } from '../../core/relay-domains/relay-routing';
import { HeldMail, type HeldMessage } from '../../core/spool/held-mail';
import { SystemResolver } from '../../core/adapters/dns/system-resolver';
import { startBackupProbe } from '../../containers/smtp/etrn-command';
import { Dialogue } from '../helpers/smtp-dialogue';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';

/**
 * Relay domains over real sockets: the MX accepts mail for a 'hold' domain (recipient list
 * checked at RCPT), the relay keeps it in held mail, ETRN (RFC 1985) from an allowed client or the
 * domain's owner releases it to a local SMTP peer; a backup-MX domain holds mail while its
 * primary is down and releases it when the primary answers again.
 */
let sink: SmtpSink;
let node: TestNode;
let store: RelayDomainStore;
let held: HeldMail;

async function session(localAddress?: string): Promise<Dialogue> {
  const d = await Dialogue.connect(node.ports.smtp!, '127.0.0.1', localAddress);
  expect(await d.reply()).toMatch(/^220 /);
  expect(await d.command('EHLO client.test')).toMatch(/^250/);
  return d;
}

async function send(to: string, subject: string): Promise<void> {
  const d = await session();
  expect(await d.command('MAIL FROM:<sender@far.test>')).toMatch(/^250/);
  expect(await d.command(`RCPT TO:<${to}>`)).toMatch(/^250/);
  expect(await d.command('DATA')).toMatch(/^354/);
  expect(await d.command(`From: sender@far.test\r\nSubject: ${subject}\r\n\r\nbody\r\n.`)).toMatch(/^250/);
  await d.command('QUIT');
}

const heldFor = (domain: string) => held.count({ reason: 'relay-domain', domain });
const received = (subject: string) => sink.messages.filter((m) => m.data.toString().includes(subject));

beforeAll(async () => {
  sink = await new SmtpSink().start();
  node = await startTestNode({
    roles: 'mx,delivery,mta',
    'smtp.allowInsecureAuth': true,
    'relay.pollIntervalMs': 100,
    'relay.retrySchedule': '1s',
  });
  await node.admin({ op: 'domain.add', name: 'nimbus.test' });
  await node.admin({ op: 'user.add', address: 'owner@nimbus.test', password: 'owner-secret' });
  store = new RelayDomainStore(node.storage.db);
  held = new HeldMail(node.storage.db);
  await store.put({
    name: 'hold.test',
    mode: 'hold',
    deliverTo: `127.0.0.1:${sink.port}`,
    etrnNetworks: ['127.0.0.2/32'],
    etrnOwner: 'owner@nimbus.test',
    recipients: ['a@hold.test', 'b@hold.test'],
  });
});

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

describe('ETRN and hold domains', () => {
  it('advertises ETRN on the MX and refuses unknown recipients of a relay domain with a list', async () => {
    const d = await Dialogue.connect(node.ports.smtp!);
    await d.reply();
    expect(await d.command('EHLO client.test')).toMatch(/\b250-ETRN\r\n/);
    expect(await d.command('MAIL FROM:<sender@far.test>')).toMatch(/^250/);
    expect(await d.command('RCPT TO:<nobody@hold.test>')).toMatch(/^550 5\.1\.1/);
    expect(await d.command('RCPT TO:<someone@not-ours.test>')).toMatch(/^550 5\.7\.1/);
    expect(await d.command('RCPT TO:<A@hold.test>')).toMatch(/^250/);
    expect(await d.command('ETRN hold.test')).toMatch(/^503/);
    await d.command('QUIT');
  });

  it('holds accepted mail, answers 459 to others and releases it to the peer on ETRN (253, then 251)', async () => {
    await send('a@hold.test', 'held-one');
    await eventually(async () => (await heldFor('hold.test')) === 1);
    expect(received('held-one')).toHaveLength(0);
    const [entry] = await held.list({ domain: 'hold.test' });
    expect(entry.note).toMatch(/ETRN/);

    const stranger = await session();
    expect(await stranger.command('ETRN hold.test')).toMatch(/^459 /);
    expect(await stranger.command('ETRN unknown.test')).toMatch(/^459 /);
    expect(await stranger.command('ETRN bad_domain!')).toMatch(/^501 /);
    await stranger.command('QUIT');
    expect(await heldFor('hold.test')).toBe(1);

    const allowed = await session('127.0.0.2');
    expect(await allowed.command('ETRN hold.test')).toMatch(/^253 .*1 pending messages for node hold\.test/);
    expect(await allowed.command('ETRN hold.test')).toMatch(/^251 /);
    await allowed.command('QUIT');
    await eventually(async () => received('held-one').length === 1);
    expect(received('held-one')[0].recipients).toEqual(['a@hold.test']);
  });

  it('#queue answers 250 and @domain 252; the owner may ETRN after AUTH', async () => {
    await send('b@hold.test', 'held-two');
    await eventually(async () => (await heldFor('hold.test')) === 1);
    const allowed = await session('127.0.0.2');
    expect(await allowed.command('ETRN #hold.test')).toMatch(/^250 /);
    await allowed.command('QUIT');
    await eventually(async () => received('held-two').length === 1);

    await send('b@hold.test', 'held-three');
    await eventually(async () => (await heldFor('hold.test')) === 1);
    const owner = await session();
    expect(await owner.command('ETRN @hold.test')).toMatch(/^459 /);
    const token = Buffer.from('\0owner@nimbus.test\0owner-secret').toString('base64');
    expect(await owner.command(`AUTH PLAIN ${token}`)).toMatch(/^235/);
    expect(await owner.command('ETRN @hold.test')).toMatch(/^252 /);
    await owner.command('QUIT');
    await eventually(async () => received('held-three').length === 1);
  });
});

describe('backup MX', () => {
  it('holds mail while the primary is down and releases it when the primary answers again', async () => {
    await store.put({
      name: 'backup.test',
      mode: 'backup',
      deliverTo: '127.0.0.1:1',
      etrnNetworks: [],
      etrnOwner: null,
      recipients: [],
    });
    await send('anyone@backup.test', 'backup-one');
    await eventually(async () => (await heldFor('backup.test')) === 1, 20000);
    const [entry] = await held.list({ domain: 'backup.test' });
    expect(entry.note).toMatch(/^backup MX: primary unreachable/);

    await store.put({
      name: 'backup.test',
      mode: 'backup',
      deliverTo: `127.0.0.1:${sink.port}`,
      etrnNetworks: [],
      etrnOwner: null,
      recipients: [],
    });
    const routing = new RelayDomainRouting(store, held, ['mx.test.example'], new SystemResolver());
    const probe = startBackupProbe(routing, node.storage.spool, pino({ level: 'silent' }), 3_600_000);
    expect(await probe.runOnce()).toBe(1);
    probe.stop();
    await eventually(async () => received('backup-one').length === 1, 20000);
  });
});

describe('admin operations', () => {
  it('relayDomain.*, queue.list in state hold, queue.flush (audited) and config export/import', async () => {
    await node.admin({ op: 'relayDomain.add', name: 'Flush.test', deliverTo: `127.0.0.1:${sink.port}` });
    await expect(node.admin({ op: 'relayDomain.add', name: 'not a domain' })).rejects.toThrow();
    await send('x@flush.test', 'flushed-one');
    await eventually(async () => (await heldFor('flush.test')) === 1);
    const listed = (await node.admin({
      op: 'queue.list',
      state: 'hold',
      domain: 'flush.test',
    })) as HeldMessage[];
    expect(listed.map((m) => m.payload.recipients[0].address)).toEqual(['x@flush.test']);
    expect(await node.admin({ op: 'relayDomain.show', name: 'flush.test' })).toMatchObject({
      mode: 'hold',
      deliverTo: `127.0.0.1:${sink.port}`,
      held: 1,
    });
    expect(await node.admin({ op: 'queue.flush', domain: 'flush.test' })).toEqual({
      domain: 'flush.test',
      released: 1,
    });
    await eventually(async () => received('flushed-one').length === 1);
    const audit = await node.storage.db.query(`SELECT target FROM admin_audit WHERE action = 'queue.flush'`);
    expect(audit.rows).toEqual([{ target: 'flush.test' }]);

    const profile = (await node.admin({ op: 'config.export' })) as { relayDomains: { name: string }[] };
    expect(profile.relayDomains.map((d) => d.name)).toEqual(['backup.test', 'flush.test', 'hold.test']);
    expect(await node.admin({ op: 'relayDomain.remove', name: 'flush.test' })).toMatchObject({ held: 0 });
    expect(((await node.admin({ op: 'relayDomain.list' })) as unknown[]).length).toBe(2);
    await node.admin({ op: 'config.import', profile });
    expect(await node.admin({ op: 'relayDomain.show', name: 'flush.test' })).toMatchObject({ mode: 'hold' });
  });
});
