/**
 * Vacation auto-replies (JMAP VacationResponse, RFC 3834/5230 rules): sent at delivery, once per
 * sender per 7 days, with a null envelope sender; never to bulk/list mail.
 */
import nodemailer from 'nodemailer';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { JmapTestClient } from '../helpers/jmap-client';
import { folderTexts } from '../helpers/mailbox-contents';

let node: TestNode;
const pw = 'correct horse battery';
const alice = 'alice@vacation.test';
const bob = 'bob@vacation.test';
const carol = 'carol@vacation.test';

const inbox = (address: string) => folderTexts(node, address);

const VACATION = 'urn:ietf:params:jmap:vacationresponse';
const client = new JmapTestClient(() => node.ports.http, pw, [VACATION]);
const jmap = (user: string, calls: unknown[]) => client.call(user, calls);

async function send(from: string, subject: string, headers: Record<string, string> = {}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp!,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ from, to: alice, subject, text: `${subject} body`, headers });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  node = await startTestNode();
  await node.admin({ op: 'domain.add', name: 'vacation.test' });
  for (const address of [alice, bob, carol]) await node.admin({ op: 'user.add', address, password: pw });
}, 120_000);

afterAll(async () => node?.destroy());

describe('vacation auto-replies', () => {
  it('enables the VacationResponse over JMAP', async () => {
    const accountId = await client.accountId(alice, VACATION);
    const [[name, result]] = await jmap(alice, [
      [
        'VacationResponse/set',
        {
          accountId,
          update: {
            singleton: {
              isEnabled: true,
              fromDate: new Date(Date.now() - 3600_000).toISOString(),
              toDate: new Date(Date.now() + 86_400_000).toISOString(),
              subject: null,
              textBody: 'I am away until Monday.',
            },
          },
        },
        '0',
      ],
    ]);
    expect(name).toBe('VacationResponse/set');
    expect(result.updated).toEqual({ singleton: null });
  });

  it('gives a new state for any change, even one at the end of a long message', async () => {
    const accountId = await client.accountId(carol, VACATION);
    const setBody = async (textBody: string) => {
      const [[, result]] = await jmap(carol, [
        ['VacationResponse/set', { accountId, update: { singleton: { textBody } } }, '0'],
      ]);
      return result as { oldState: string; newState: string };
    };
    const first = await setBody(`${'Back soon. '.repeat(20)}A`);
    const second = await setBody(`${'Back soon. '.repeat(20)}B`);
    expect(second.oldState).toBe(first.newState);
    expect(second.newState).not.toBe(second.oldState);
    expect((await setBody(`${'Back soon. '.repeat(20)}B`)).newState).toBe(second.newState);
  });

  it('replies once per sender, with a null envelope sender and RFC 3834 headers', async () => {
    await send(bob, 'Lunch on Friday?');
    await eventually(async () => (await inbox(alice)).length === 1);
    const [reply] = await eventually(async () => {
      const m = await inbox(bob);
      return m.length === 1 && m;
    });
    expect(reply).toMatch(/^Return-Path: <>\r\n/);
    expect(reply).toMatch(/\r\nAuto-Submitted: auto-replied\r\n/);
    expect(reply).toMatch(/\r\nSubject: Auto: Lunch on Friday\?\r\n/);
    expect(reply).toMatch(new RegExp(`\\r\\nFrom: <${alice}>\\r\\n`));
    const original = (await inbox(alice))[0];
    const messageId = /\r\nMessage-ID: (<[^>]+>)/i.exec(original)![1];
    expect(reply).toContain(`\r\nIn-Reply-To: ${messageId}\r\n`);
    expect(reply).toContain(`\r\nReferences: ${messageId}\r\n`);
    expect(reply).toContain(Buffer.from('I am away until Monday.').toString('base64'));

    // A second message within 7 days: delivered, but no second reply.
    await send(bob, 'Still on for lunch?');
    await eventually(async () => (await inbox(alice)).length === 2);
    await sleep(1500);
    expect(await inbox(bob)).toHaveLength(1);
  });

  it('does not answer bulk mail', async () => {
    await send(carol, 'Weekly newsletter', { Precedence: 'bulk' });
    await eventually(async () => (await inbox(alice)).length === 3);
    await send(carol, 'Out of office', { 'Auto-Submitted': 'auto-replied' });
    await send(carol, 'Mailing list post', { 'List-Id': '<team.lists.vacation.test>' });
    await eventually(async () => (await inbox(alice)).length === 5);
    await sleep(1500);
    expect(await inbox(carol)).toHaveLength(0);
    // Control: the skipped messages did not use up carol's slot; a personal one is answered.
    await send(carol, 'A personal note');
    const [reply] = await eventually(async () => {
      const m = await inbox(carol);
      return m.length === 1 && m;
    });
    expect(reply).toMatch(/\r\nSubject: Auto: A personal note\r\n/);
  });
});
