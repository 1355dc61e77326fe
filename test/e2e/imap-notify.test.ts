/**
 * NOTIFY (RFC 5465) over real sockets: one session asks for notifications, another (or SMTP)
 * makes the changes, and the first sees them unsolicited — without IDLE and without sending a
 * command. Grammar errors, BADEVENT, STATUS for other mailboxes, SELECTED and SELECTED-DELAYED,
 * MailboxName, SubscriptionChange, METADATA, NOTIFICATIONOVERFLOW, and Python's imaplib.
 */
import { addUser, deliver, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

let h: ImapHarness;
const raws: RawImap[] = [];
const MAX_PENDING = 20;

async function login(user: string): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${user} pw`)).toMatch(/L OK/);
  return r;
}

const msg = (subject: string): string => `Subject: ${subject}\r\nFrom: x@example.org\r\n\r\nbody\r\n`;

async function append(r: RawImap, mailbox: string, subject: string): Promise<void> {
  const text = msg(subject);
  expect(await r.command('A', `APPEND ${mailbox} {${Buffer.byteLength(text)}+}\r\n${text}`)).toMatch(/A OK/);
}

/** What arrives unsolicited, up to the line matching `re`. */
async function unsolicited(r: RawImap, re: RegExp): Promise<string> {
  await r.until(re);
  return r.take();
}

/** Nothing may arrive: a NOOP round trip shows what the server had to say. */
async function quietNoop(r: RawImap, tag: string): Promise<string> {
  const out = await r.command(tag, 'NOOP');
  return out.replace(new RegExp(`${tag} OK[^\\r\\n]*\\r\\n$`), '');
}

beforeAll(async () => {
  h = await startImapHarness({ notifyMaxPending: MAX_PENDING });
  for (const user of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'])
    await addUser(h, `${user}@example.test`, 'pw');
});

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => {
  await h.close();
});

describe('NOTIFY command', () => {
  it('is advertised, BAD for grammar and composition errors, NO [BADEVENT] for unsupported events', async () => {
    const a = await login('ann@example.test');
    expect(await a.command('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .* NOTIFY( |\r\n)/m);
    for (const bad of [
      'NOTIFY',
      'NOTIFY SET',
      'NOTIFY FROB',
      'NOTIFY NONE extra',
      'NOTIFY SET (PERSONAL ())',
      'NOTIFY SET (PERSONAL)',
      'NOTIFY SET (FOO (MessageNew MessageExpunge))',
      'NOTIFY SET (PERSONAL (MessageNew))',
      'NOTIFY SET (PERSONAL (MessageExpunge))',
      'NOTIFY SET (PERSONAL (FlagChange))',
      'NOTIFY SET (SELECTED (MailboxName))',
      'NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (SELECTED-DELAYED (MessageNew MessageExpunge))',
      'NOTIFY SET (SELECTED (MessageNew (FROB) MessageExpunge))',
      'NOTIFY SET (MAILBOXES () (MessageNew MessageExpunge))',
      'NOTIFY SET STATUSX (PERSONAL NONE)',
    ]) {
      expect(await a.command('b', bad)).toMatch(/^b BAD /m);
    }
    const annotation = await a.command(
      'n1',
      'NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange))',
    );
    expect(annotation).toMatch(
      /^n1 NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange\)\] /m,
    );
    expect(await a.command('n2', 'NOTIFY SET (INBOXES (Bogus-Event))')).toMatch(/^n2 NO \[BADEVENT \(/m);
    expect(
      await a.command('n3', 'notify set (selected-delayed (messagenew messageexpunge flagchange))'),
    ).toMatch(/^n3 OK/m);
    expect(
      await a.command('n4', 'NOTIFY SET (SUBTREE INBOX (MailboxName)) (MAILBOXES ("a b" c) NONE)'),
    ).toMatch(/^n4 OK/m);
    expect(await a.command('n5', 'NOTIFY NONE')).toMatch(/^n5 OK/m);
    expect(await a.command('n6', 'NOOP')).toMatch(/^n6 OK/m);
  });
});

describe('mailboxes other than the selected one', () => {
  it('STATUS before the tagged OK with SET STATUS, then unsolicited STATUS for new and expunged messages', async () => {
    const a = await login('ben@example.test');
    const b = await login('ben@example.test');
    await b.command('c', 'CREATE Lists');
    await b.command('c', 'CREATE Quiet');
    const set = await a.command(
      'n',
      'NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge)) (MAILBOXES Quiet NONE)',
    );
    expect(set).toMatch(/^\* STATUS "INBOX" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0\)\r\n/m);
    expect(set).toMatch(/^\* STATUS "Lists" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0\)\r\n/m);
    expect(set).not.toMatch(/Quiet/);
    expect(set).toMatch(/n OK NOTIFY completed\r\n$/);

    // No IDLE and no command: the STATUS arrives by itself.
    await append(b, 'Lists', 'one');
    expect(await unsolicited(a, /\* STATUS "Lists"[^\r]*\r\n/)).toMatch(
      /^\* STATUS "Lists" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)\r\n$/,
    );
    await append(b, 'Quiet', 'muted');
    await b.command('s', 'SELECT Lists');
    await b.command('s', 'STORE 1 +FLAGS (\\Deleted)');
    await b.command('s', 'EXPUNGE');
    const after = await unsolicited(a, /\* STATUS "Lists" \(MESSAGES 0[^\r]*\r\n/);
    expect(after).not.toMatch(/Quiet/);
    // Flag changes were not asked for: the \Deleted STORE gave no STATUS of its own.
    expect(after).toMatch(/^\* STATUS "Lists" \(MESSAGES 0 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0\)\r\n$/);
  });

  it('reports a delivery over SMTP for INBOXES, with HIGHESTMODSEQ once CONDSTORE is enabled', async () => {
    const a = await login('cat@example.test');
    await a.command('e', 'ENABLE CONDSTORE');
    expect(await a.command('n', 'NOTIFY SET (INBOXES (MessageNew MessageExpunge FlagChange))')).toMatch(
      /^n OK/m,
    );
    await deliver(h, 'cat@example.test', 'by smtp', 'hello');
    expect(await unsolicited(a, /\* STATUS "INBOX"[^\r]*\r\n/)).toMatch(
      /^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)\r\n$/,
    );
    // FlagChange in another mailbox: STATUS with the new UNSEEN and HIGHESTMODSEQ.
    const b = await login('cat@example.test');
    await b.command('s', 'SELECT INBOX');
    await b.command('s', 'STORE 1 +FLAGS (\\Seen)');
    expect(await unsolicited(a, /\* STATUS "INBOX"[^\r]*\r\n/)).toMatch(/UNSEEN 0 HIGHESTMODSEQ \d+\)\r\n$/);
  });
});

describe('the selected mailbox', () => {
  it('SELECTED: EXISTS with the MessageNew fetch-atts, flag FETCH and EXPUNGE are pushed at once', async () => {
    const a = await login('dan@example.test');
    const b = await login('dan@example.test');
    await append(b, 'INBOX', 'first');
    await a.command('s', 'SELECT INBOX');
    const set = await a.command(
      'n',
      'NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge FlagChange))',
    );
    expect(set).toMatch(/^n OK/m);
    await append(b, 'INBOX', 'second');
    const arrived = await unsolicited(a, /\* 2 FETCH [^\r]*\r\n[^)]*\)\r\n/);
    expect(arrived).toMatch(/^\* 2 EXISTS\r\n/m);
    expect(arrived).toMatch(
      /\* 2 FETCH \(UID 2 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: second\r\n\r\n\)\r\n/,
    );
    await b.command('s', 'SELECT INBOX');
    await b.command('s', 'UID STORE 1 +FLAGS (\\Flagged)');
    expect(await unsolicited(a, /\* 1 FETCH \(FLAGS[^\r]*\r\n/)).toMatch(
      /\* 1 FETCH \(FLAGS \(\\Flagged( \\Recent)?\)\)\r\n/,
    );
    await b.command('s', 'UID STORE 1 +FLAGS (\\Deleted)');
    await b.command('s', 'EXPUNGE');
    expect(await unsolicited(a, /\* 1 EXPUNGE\r\n/)).toMatch(/\* 1 EXPUNGE\r\n$/);
    expect(await a.command('f', 'UID FETCH 2 (UID)')).toMatch(/^\* 1 FETCH \(UID 2\)/m);
  });

  it('SELECTED-DELAYED: new messages and flags at once, expunges only where a command allows them', async () => {
    const a = await login('eve@example.test');
    const b = await login('eve@example.test');
    await append(b, 'INBOX', 'one');
    await append(b, 'INBOX', 'two');
    await a.command('s', 'SELECT INBOX');
    expect(
      await a.command('n', 'NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge FlagChange))'),
    ).toMatch(/^n OK/m);
    await b.command('s', 'SELECT INBOX');
    await b.command('s', 'STORE 1 +FLAGS (\\Deleted)');
    expect(await unsolicited(a, /\* 1 FETCH [^\r]*\r\n/)).toMatch(/\\Deleted/);
    await b.command('s', 'EXPUNGE');
    await append(b, 'INBOX', 'three');
    // The arrival is pushed; the expunged message keeps its sequence number until a command.
    expect(await unsolicited(a, /\* 3 EXISTS\r\n/)).not.toMatch(/EXPUNGE/);
    const fetched = await a.command('f', 'FETCH 1:3 (UID)');
    expect(fetched).not.toMatch(/EXPUNGE/);
    expect(await a.command('o', 'NOOP')).toMatch(/^\* 1 EXPUNGE\r\no OK/m);
  });

  it('without a SELECTED group the selected mailbox is silent; SET with one reports what accumulated', async () => {
    const a = await login('fay@example.test');
    const b = await login('fay@example.test');
    await a.command('s', 'SELECT INBOX');
    expect(await a.command('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge))')).toMatch(/^n OK/m);
    await append(b, 'INBOX', 'unseen by a');
    expect(await quietNoop(a, 'q1')).toBe('');
    // NOTIFY SET is an implicit NOOP for the selected mailbox (RFC 5465 §3.1).
    const set = await a.command('n2', 'NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL NONE)');
    expect(set).toMatch(/^\* 1 EXISTS\r\n/m);
    expect(set).not.toMatch(/STATUS/);
  });
});

describe('mailbox names and subscriptions', () => {
  it('MailboxName: LIST for CREATE, RENAME (OLDNAME) and DELETE (\\NonExistent); SubscriptionChange: LIST with \\Subscribed', async () => {
    const a = await login('gus@example.test');
    const b = await login('gus@example.test');
    expect(await a.command('n', 'NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))')).toMatch(/^n OK/m);
    await b.command('c', 'CREATE Work/Plans');
    const created = await unsolicited(a, /\* LIST [^\r]*"Work\/Plans"\r\n/);
    expect(created).toMatch(/^\* LIST \(\\HasChildren\) "\/" "Work"\r\n/m);
    expect(created).toMatch(/^\* LIST \(\\HasNoChildren\) "\/" "Work\/Plans"\r\n/m);
    await b.command('r', 'RENAME Work/Plans Work/Done');
    expect(await unsolicited(a, /\* LIST [^\r]*\r\n/)).toMatch(
      /^\* LIST \(\\HasNoChildren\) "\/" "Work\/Done" \("OLDNAME" \("Work\/Plans"\)\)\r\n$/,
    );
    await b.command('u', 'SUBSCRIBE Work/Done');
    expect(await unsolicited(a, /\* LIST [^\r]*\r\n/)).toMatch(
      /^\* LIST \(\\Subscribed \\HasNoChildren\) "\/" "Work\/Done"\r\n$/,
    );
    await b.command('u', 'UNSUBSCRIBE Work/Done');
    expect(await unsolicited(a, /\* LIST [^\r]*\r\n/)).toMatch(
      /^\* LIST \(\\HasNoChildren\) "\/" "Work\/Done"\r\n$/,
    );
    await b.command('d', 'DELETE Work/Done');
    expect(await unsolicited(a, /\* LIST [^\r]*\r\n/)).toMatch(
      /^\* LIST \(\\NonExistent\) "\/" "Work\/Done"\r\n$/,
    );
    // Only what was asked for: a SUBTREE filter ignores the rest of the hierarchy.
    expect(await a.command('n2', 'NOTIFY SET (SUBTREE Work (MailboxName))')).toMatch(/^n2 OK/m);
    await b.command('c', 'CREATE Elsewhere');
    await b.command('c', 'CREATE Work/Later');
    expect(await unsolicited(a, /\* LIST [^\r]*\r\n/)).toMatch(
      /^\* LIST \(\\HasNoChildren\) "\/" "Work\/Later"\r\n$/,
    );
  });
});

describe('limits', () => {
  it('NOTIFICATIONOVERFLOW when the session cannot keep up, then behaves as after NOTIFY NONE', async () => {
    const a = await login('hal@example.test');
    const b = await login('hal@example.test');
    await b.command('c', 'CREATE Flood');
    expect(await a.command('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge))')).toMatch(/^n OK/m);
    // A synchronising literal keeps a's command open: the changes pile up meanwhile.
    a.write('a1 APPEND INBOX {5}\r\n');
    await a.until(/\+ [^\r]*\r\n/);
    a.take();
    for (let i = 0; i <= MAX_PENDING; i++) await append(b, 'Flood', `m${i}`);
    a.write('hello\r\n');
    expect(await a.tagged('a1')).toMatch(/a1 OK/);
    // Reported once the command is done, instead of the STATUS responses it could not keep.
    const out = await unsolicited(a, /\* OK \[NOTIFICATIONOVERFLOW\] [^\r]*\r\n/);
    expect(out).toMatch(/^\* OK \[NOTIFICATIONOVERFLOW\] [^\r]*\r\n$/);
    expect(out).not.toMatch(/STATUS/);
    await append(b, 'Flood', 'after');
    expect(await quietNoop(a, 'q')).toBe('');
  });
});
