import net from 'node:net';
import { proxyV2Header } from '../helpers/proxy-header';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';

/** The load balancer (here: connections from 127.0.0.2) sends PROXY v2; nobody else may. */
let node: TestNode;

const v2Header = (ip: string, port: number) => proxyV2Header(ip, port, 25);

function converse(port: number, localAddress: string, first: Buffer, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    let output = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(first));
    let started = false;
    socket.on('data', (text: string) => {
      output += text;
      if (started) return;
      // Speak after the greeting (the MX penalises early talkers), one line at a time.
      started = true;
      let i = 0;
      const timer = setInterval(() => {
        if (i < lines.length) socket.write(`${lines[i++]}\r\n`);
        else clearInterval(timer);
      }, 30);
    });
    socket.on('close', () => resolve(output));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  node = await startTestNode({ 'proxyProtocol.trustedNetworks': ['127.0.0.2'] });
  await node.admin({ op: 'domain.add', name: 'proxy.test' });
  await node.admin({ op: 'user.add', address: 'pat@proxy.test', password: 'pw' });
});

afterAll(async () => {
  await node.destroy();
});

it('takes the client address from a trusted PROXY v2 header into Received:', async () => {
  const transcript = await converse(node.ports.smtp!, '127.0.0.2', v2Header('203.0.113.9', 40001), [
    'EHLO outside.test',
    'MAIL FROM:<far@remote.test>',
    'RCPT TO:<pat@proxy.test>',
    'DATA',
    'Subject: via the load balancer\r\n\r\nhello\r\n.',
    'QUIT',
  ]);
  expect(transcript).toMatch(/250 2\.0\.0 Ok: queued as/);
  const account = (await node.directory.getAccount('pat@proxy.test'))!;
  const inbox = (await node.mailboxes.getMailbox(account.id, 'INBOX'))!;
  const messages = await eventually(async () => {
    const list = await node.mailboxes.listMessages(inbox.id);
    return list.length === 1 && list;
  });
  const text = (await node.mailboxes.readMessage(messages[0])).toString();
  expect(text).toContain('([203.0.113.9])');
  expect(text).not.toContain('127.0.0.2');
});

it('drops a connection from the trusted proxy that does not start with a PROXY header', async () => {
  const transcript = await converse(node.ports.smtp!, '127.0.0.2', Buffer.from('EHLO sneaky\r\n'), []);
  expect(transcript).toBe('');
});

it('does not honour PROXY headers from untrusted clients', async () => {
  const transcript = await converse(node.ports.smtp!, '127.0.0.1', v2Header('198.51.100.1', 1), ['QUIT']);
  expect(transcript).toMatch(/^220 /);
  expect(transcript).toMatch(/\r\n5\d\d /);
  expect(transcript).toMatch(/221 /);
});

it('works for POP3 and IMAP too', async () => {
  const pop3 = await converse(node.ports.pop3!, '127.0.0.2', v2Header('203.0.113.10', 40002), ['QUIT']);
  expect(pop3).toMatch(/^\+OK/);
  const imap = await converse(node.ports.imap!, '127.0.0.2', v2Header('203.0.113.11', 40003), ['a LOGOUT']);
  expect(imap).toMatch(/^\* OK/);
  expect(imap).toMatch(/a OK/);
});
