import nodemailer from 'nodemailer';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';

/** All outbound mail through one smarthost with STARTTLS + AUTH (the usual path on AWS). */
let smarthost: SmtpSink;
let node: TestNode;

beforeAll(async () => {
  smarthost = await new SmtpSink({ auth: { user: 'relay-user', pass: 'relay-pass' } }).start();
  node = await startTestNode({
    roles: 'submission,delivery,mta',
    'relay.smarthost': {
      host: '127.0.0.1',
      port: smarthost.port,
      user: 'relay-user',
      password: 'relay-pass',
      tls: 'starttls',
    },
    'relay.retrySchedule': '1s',
    'relay.pollIntervalMs': 100,
  });
  await node.admin({ op: 'domain.add', name: 'nimbus.test' });
  await node.admin({ op: 'user.add', address: 'alice@nimbus.test', password: 'alice-secret' });
});

afterAll(async () => {
  await node?.destroy();
  await smarthost?.stop();
});

test('mail for any domain goes to the smarthost, over TLS, authenticated; no MX lookup', async () => {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.submission,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@nimbus.test', pass: 'alice-secret' },
  });
  await t.sendMail({
    from: 'alice@nimbus.test',
    to: ['x@unresolvable.test', 'y@elsewhere.test'],
    subject: 'via smarthost',
    text: 'hi',
  });
  t.close();
  await eventually(
    async () => smarthost.for('x@unresolvable.test').length + smarthost.for('y@elsewhere.test').length >= 2,
  );
  for (const message of smarthost.messages) {
    expect(message).toMatchObject({
      authenticatedAs: 'relay-user',
      secure: true,
      mailFrom: 'alice@nimbus.test',
    });
  }
});
