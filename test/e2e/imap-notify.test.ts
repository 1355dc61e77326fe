/**
 * NOTIFY (RFC 5465) over real sockets: one session asks for notifications, another (or SMTP)
 * makes the changes, and the first sees them unsolicited — without IDLE and without sending a
 * command. Grammar errors, BADEVENT, STATUS for other mailboxes, SELECTED and SELECTED-DELAYED,
 * MailboxName, SubscriptionChange, METADATA, NOTIFICATIONOVERFLOW, and Python's imaplib.
 */
import pino from 'pino';
import { PgEvents } from '../../core/adapters/postgres/pg-events';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { MailboxStore } from '../../core/store/mailbox-store';
import { DEFAULT_IMAP_OPTIONS, ImapServer } from '../../containers/imap/imap-server';
import { addUser, deliver, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

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
  for (const user of 'ann ben cat dan eve fay gus hal ian jo kim lou max ned'.split(' '))
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
      // RFC 5465 §5.1: the unsolicited flag FETCH carries the UID once NOTIFY is on.
      /\* 1 FETCH \(FLAGS \(\\Flagged( \\Recent)?\) UID 1\)\r\n/,
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

describe('refusing what would overflow at once', () => {
  it('NO [NOTIFICATIONOVERFLOW] for more watched mailboxes than changes a session may hold', async () => {
    const a = await login('ned@example.test');
    const list = await a.command('l', 'LIST "" "*"');
    const existing = (list.match(/^\* LIST /gm) ?? []).length;
    for (let i = existing; i <= MAX_PENDING; i++) await a.command('c', `CREATE Box${i}`);
    expect(await a.command('n1', 'NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge))')).toMatch(
      /^n1 NO \[NOTIFICATIONOVERFLOW\] [^\r]*\r\n$/,
    );
    // Mailbox events only, or fewer mailboxes, are fine; the refused SET changed nothing.
    expect(await a.command('n2', 'NOTIFY SET (PERSONAL (MailboxName))')).toMatch(/^n2 OK/m);
    expect(await a.command('n3', 'NOTIFY SET (INBOXES (MessageNew MessageExpunge))')).toMatch(/^n3 OK/m);
  });
});

describe('IDLE, metadata and missed events', () => {
  it('during IDLE exactly what NOTIFY asked for is sent (RFC 5465 §4)', async () => {
    const a = await login('ian@example.test');
    const b = await login('ian@example.test');
    await b.command('c', 'CREATE Other');
    await a.command('s', 'SELECT INBOX');
    expect(await a.command('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge))')).toMatch(/^n OK/m);
    a.write('i IDLE\r\n');
    await a.until(/\+ [^\r]*\r\n/);
    a.take();
    await append(b, 'INBOX', 'not pushed: no SELECTED group');
    await append(b, 'Other', 'pushed');
    // Events are handled in order: an EXISTS for INBOX would have come before this STATUS.
    expect(await unsolicited(a, /\* STATUS "Other"[^\r]*\r\n/)).toMatch(
      /^\* STATUS "Other" \(MESSAGES 1 [^\r]*\r\n$/,
    );
    a.write('DONE\r\n');
    expect(await a.tagged('i')).toMatch(/^i OK [^\r]*\r\n$/);
  });

  it('MailboxMetadataChange and ServerMetadataChange: the names of the changed entries', async () => {
    const a = await login('jo@example.test');
    const b = await login('jo@example.test');
    expect(
      await a.command('n', 'NOTIFY SET (INBOXES (MailboxMetadataChange)) (PERSONAL (ServerMetadataChange))'),
    ).toMatch(/^n OK/m);
    expect(await b.command('m', 'SETMETADATA INBOX (/private/comment "look here")')).toMatch(/^m OK/m);
    expect(await unsolicited(a, /\* METADATA [^\r]*\r\n/)).toMatch(
      /^\* METADATA "INBOX" "\/private\/comment"\r\n$/,
    );
    expect(await b.command('m', 'SETMETADATA "" (/private/comment "server note")')).toMatch(/^m OK/m);
    expect(await unsolicited(a, /\* METADATA [^\r]*\r\n/)).toMatch(
      /^\* METADATA "" "\/private\/comment"\r\n$/,
    );
  });

  it('a resync hint (sent after the events connection was lost) reports changes whose events were missed', async () => {
    const a = await login('kim@example.test');
    const b = await login('kim@example.test');
    await b.command('c', 'CREATE Lost');
    expect(await a.command('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge FlagChange))')).toMatch(
      /^n OK/m,
    );
    const db = h.node.storage.db;
    const account = await db.query<{ id: number }>(`SELECT id FROM accounts WHERE address = $1`, [
      'kim@example.test',
    ]);
    const accountId = Number(account.rows[0].id);
    // A change whose event never came (published on another node while LISTEN was down) …
    await db.query(
      `UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE account_id = $1 AND name = 'Lost'`,
      [accountId],
    );
    // … and the hint PgEvents gives every subscriber after reconnecting.
    await h.node.storage.events.publish({ accountId, mailboxId: 0, kind: 'mailboxes' });
    expect(await unsolicited(a, /\* STATUS "Lost"[^\r]*\r\n/)).toMatch(
      /^\* STATUS "Lost" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 HIGHESTMODSEQ \d+\)\r\n$/,
    );
  });
});

describe('real client and other nodes', () => {
  it("Python imaplib: NOTIFY SET STATUS, then unsolicited STATUS, EXISTS and the fetch-atts' FETCH", async () => {
    const out = await python(
      String.raw`
import imaplib, os, json
imaplib.Commands['NOTIFY'] = ('AUTH', 'SELECTED')
port = int(os.environ['PORT'])
M = imaplib.IMAP4('127.0.0.1', port)
M.sock.settimeout(20)
M.login('lou@example.test', 'pw')
N = imaplib.IMAP4('127.0.0.1', port)
N.login('lou@example.test', 'pw')
N.create('Py')
out = {'caps': 'NOTIFY' in M.capability()[1][0].decode().split()}
typ, data = M._simple_command('NOTIFY', 'SET', 'STATUS', '(PERSONAL (MessageNew MessageExpunge))')
out['set'] = typ
out['initial'] = sorted(d.decode() for d in M.untagged_responses.pop('STATUS', []))
N.append('Py', None, None, b'Subject: to Py\r\n\r\nhello\r\n')
out['pushed'] = M.readline().decode().strip()
M.select('INBOX')
typ, data = M._simple_command('NOTIFY', 'SET', '(SELECTED (MessageNew (UID FLAGS) MessageExpunge))')
out['set2'] = typ
N.append('INBOX', None, None, b'Subject: to INBOX\r\n\r\nhello\r\n')
out['lines'] = [M.readline().decode().strip() for _ in range(3)]
M.logout()
N.logout()
print(json.dumps(out))
`,
      { PORT: String(h.port) },
    );
    const result = JSON.parse(out) as Record<string, unknown>;
    expect(result.caps).toBe(true);
    expect(result.set).toBe('OK');
    // One STATUS per mailbox of the account (the default folders included), before the OK.
    expect(result.initial).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^"INBOX" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0\)$/),
        expect.stringMatching(/^"Py" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0\)$/),
      ]),
    );
    expect(result.pushed).toMatch(/^\* STATUS "Py" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/);
    expect(result.set2).toBe('OK');
    expect(result.lines).toEqual([
      '* 1 EXISTS',
      '* 1 RECENT',
      expect.stringMatching(/^\* 1 FETCH \(UID 1 FLAGS \((\\Recent)?\)\)$/),
    ]);
  });

  const onPostgres = process.env.NIMBUS_TEST_DATABASE_URL ? it : it.skip;
  onPostgres(
    'across nodes: a change made on another node arrives through PgEvents (LISTEN/NOTIFY)',
    async () => {
      const url = h.node.config.databaseUrl!;
      const events = await PgEvents.connect(url);
      const { db, blobs } = h.node.storage;
      const other = new ImapServer({
        options: { ...DEFAULT_IMAP_OPTIONS, hostname: 'imap2.test.example', allowInsecureAuth: true },
        directory: h.node.directory,
        store: new MailboxStore(db, blobs, events),
        db,
        blobs,
        events,
        secureContext: () => {
          throw new Error('no TLS in this test');
        },
        authThrottle: new AuthThrottle(),
        log: pino({ level: 'silent' }),
        nodeId: 'test-2',
      });
      const port = await other.listen(0, '127.0.0.1');
      try {
        const a = await RawImap.connect(port);
        raws.push(a);
        await a.command('L', 'LOGIN max@example.test pw');
        expect(await a.command('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))')).toMatch(
          /^n OK/m,
        );
        const b = await login('max@example.test');
        await b.command('c', 'CREATE Remote');
        expect(await unsolicited(a, /\* LIST [^\r]*\r\n/)).toMatch(/"Remote"\r\n$/);
        await append(b, 'Remote', 'from node 1');
        expect(await unsolicited(a, /\* STATUS "Remote"[^\r]*\r\n/)).toMatch(/MESSAGES 1 /);
      } finally {
        await other.close();
        await events.close();
      }
    },
  );
});
