/**
 * Draining by the operator (`nimbus cluster drain NODE`, here the same admin command) and undoing
 * it: the health check turns 503 and delivery stops taking jobs; after `--undo` the node takes
 * work again within a heartbeat, without a restart. A shutdown's drain is not undone.
 */
import nodemailer from 'nodemailer';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { folderTexts } from '../helpers/mailbox-contents';

let node: TestNode;
const health = async () => (await fetch(`http://127.0.0.1:${node.ports.http}/healthz`)).status;
const send = (subject: string) =>
  nodemailer
    .createTransport({ host: '127.0.0.1', port: node.ports.smtp!, secure: false, ignoreTLS: true })
    .sendMail({ from: 'someone@remote.test', to: 'dana@drain.test', subject, text: subject });
const delivered = async (subject: string) =>
  (await folderTexts(node, 'dana@drain.test')).some((m) => m.includes(subject));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  node = await startTestNode({ 'cluster.heartbeatSeconds': 1, 'smtp.pregreetMs': 0 });
  await node.admin({ op: 'domain.add', name: 'drain.test' });
  await node.admin({ op: 'user.add', address: 'dana@drain.test', password: 'dana password' });
}, 60_000);

afterAll(async () => node?.destroy());

it('drains on the registry flag and resumes when it is cleared', async () => {
  const id = node.cluster!.id;
  expect(await health()).toBe(200);
  await node.admin({ op: 'cluster.drain', node: id });
  await eventually(async () => (await health()) === 503);

  // Sessions still work (SMTP accepts), but delivery takes no new jobs while draining.
  await send('held while draining');
  await sleep(2500);
  expect(await delivered('held while draining')).toBe(false);

  await node.admin({ op: 'cluster.drain', node: id, undo: true });
  await eventually(async () => (await health()) === 200);
  await eventually(() => delivered('held while draining'));
});

it('a shutdown drain is not undone by the registry', async () => {
  await node.drain();
  expect(await health()).toBe(503);
  await node.admin({ op: 'cluster.drain', node: node.cluster!.id, undo: true });
  await sleep(2500);
  expect(await health()).toBe(503);
});
