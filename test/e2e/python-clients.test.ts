import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';

const SCRIPT = path.join(__dirname, 'python/smtp_pop3_roundtrip.py');
let node: TestNode;

/** Async on purpose: the server under test runs on this process's event loop. */
async function python<T>(...args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, ...args], { encoding: 'utf8' });
  return JSON.parse(stdout) as T;
}

beforeAll(async () => {
  node = await startTestNode();
  await node.admin({ op: 'domain.add', name: 'py.test' });
  await node.admin({ op: 'user.add', address: 'carol@py.test', password: 'carol-pw' });
});

afterAll(async () => {
  await node.destroy();
});

it('sends with smtplib over STARTTLS; reads, tops and deletes with poplib over STLS', async () => {
  const token = `tok${Date.now()}`;
  const sent = await python<{ relay: string }>('send', String(node.ports.smtp), 'carol@py.test', token);
  expect(sent.relay).toMatch(/^550 5\.7\.1/);

  const account = (await node.directory.getAccount('carol@py.test'))!;
  const inbox = (await node.mailboxes.getMailbox(account.id, 'INBOX'))!;
  await eventually(async () => (await node.mailboxes.listMessages(inbox.id)).length === 3);

  const read = await python<{
    capa: string[];
    stat: [number, number];
    list: string[];
    uidl: string[];
    messages: string[];
    top: string[];
    after_delete_uidl: string[];
  }>('read', String(node.ports.pop3), 'carol@py.test', 'carol-pw');

  expect(read.capa).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'PIPELINING', 'RESP-CODES']));
  expect(read.stat[0]).toBe(3);
  const sizes = read.list.map((line) => Number(line.split(' ')[1]));
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(read.stat[1]);
  // Two delivery workers may each take one message, so arrival order is not promised across them.
  const subjectOf = (text: string) => new RegExp(`Subject: ${token} (\\d)`).exec(text)?.[1];
  expect(read.messages.map(subjectOf).sort()).toEqual(['0', '1', '2']);
  read.messages.forEach((message, index) => {
    expect(message).toContain('\r\n.starts with dot');
    expect(message).toContain('Delivered-To: carol@py.test');
    // poplib strips CRLFs from lines; the reported size counts them.
    expect(Buffer.byteLength(message) + 2).toBe(sizes[index]);
  });
  expect(subjectOf(read.top.join('\r\n'))).toBe(subjectOf(read.messages[0]!));
  expect(read.top.join('\r\n')).not.toContain('line one');
  // UIDL: the deleted message's id is gone, the others keep theirs.
  const uid = (line: string) => line.split(' ')[1];
  expect(read.after_delete_uidl.map(uid)).toEqual(read.uidl.slice(1).map(uid));
});
