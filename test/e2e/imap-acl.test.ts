/**
 * ACL (RFC 4314, RIGHTS=texk), shared mailboxes under "Other Users/<owner>/", LIST-MYRIGHTS
 * (RFC 8440) and LIST (SUBSCRIBED RECURSIVEMATCH) (RFC 5258 §3.5) over real sockets: exact wire
 * checks with RawImap, imapflow and Python's imaplib for the main paths, IDLE pushes between the
 * owner's and the grantee's sessions.
 */
import { addUser, client, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

let h: ImapHarness;
const raws: RawImap[] = [];

const ALICE = 'alice@acl.test';
const BOB = 'bob@acl.test';
const CAROL = 'carol@acl.test';
const shared = (name: string, owner = ALICE): string => `"Other Users/${owner}/${name}"`;

async function login(user: string): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${user} pw-${user.split('@')[0]}`)).toMatch(/L OK/);
  return r;
}

async function append(r: RawImap, mailbox: string, subject: string, flags = ''): Promise<string> {
  const text = `Subject: ${subject}\r\nFrom: x@example.org\r\n\r\nbody\r\n`;
  return r.command(
    'A',
    `APPEND ${mailbox} ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(text)}+}\r\n${text}`,
  );
}

beforeAll(async () => {
  h = await startImapHarness();
  for (const user of [ALICE, BOB, CAROL]) await addUser(h, user, `pw-${user.split('@')[0]}`);
  const a = await login(ALICE);
  for (const box of ['Projects', 'Projects/2026', 'Reports', 'Private', 'Inbound']) {
    expect(await a.command('C', `CREATE ${box}`)).toMatch(/C OK/);
  }
  await append(a, 'Projects', 'plan', '\\Seen');
  await append(a, 'Projects', 'budget');
  await append(a, 'Reports', 'q1');
  await a.close();
});

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => {
  await h.close();
});

describe('ACL commands (RFC 4314 §3)', () => {
  it('advertises ACL, RIGHTS=texk and LIST-MYRIGHTS, and the Other Users namespace', async () => {
    const a = await login(ALICE);
    const caps = await a.command('c1', 'CAPABILITY');
    expect(caps).toMatch(/ ACL /);
    expect(caps).toMatch(/ RIGHTS=texk /);
    expect(caps).toMatch(/ LIST-MYRIGHTS /);
    expect(await a.command('c2', 'NAMESPACE')).toMatch(
      /^\* NAMESPACE \(\("" "\/"\)\) \(\("Other Users\/" "\/"\)\) NIL\r\n/m,
    );
  });

  it('owner: GETACL, MYRIGHTS, LISTRIGHTS, SETACL with +/-, c and d, negative entries, DELETEACL', async () => {
    const a = await login(ALICE);
    expect(await a.command('g1', 'GETACL Private')).toMatch(
      /^\* ACL "Private" alice@acl.test lrwstipekxacd\r\ng1 OK/m,
    );
    expect(await a.command('g2', 'MYRIGHTS Private')).toMatch(/^\* MYRIGHTS "Private" lrwstipekxacd\r\n/m);
    expect(await a.command('g3', `LISTRIGHTS Private ${BOB}`)).toMatch(
      /^\* LISTRIGHTS "Private" bob@acl.test "" l r w s t p i e k x a c d\r\n/m,
    );
    expect(await a.command('g4', `LISTRIGHTS Private ${ALICE}`)).toMatch(
      /^\* LISTRIGHTS "Private" alice@acl.test lrwstipekxacd\r\n/m,
    );
    expect(await a.command('s1', `SETACL Private ${CAROL} lrc`)).toMatch(/s1 OK/);
    expect(await a.command('s2', 'GETACL Private')).toMatch(/ carol@acl.test lrkxc alice@acl.test /);
    expect(await a.command('s3', `SETACL Private ${CAROL} +d`)).toMatch(/s3 OK/);
    expect(await a.command('s4', `SETACL Private ${CAROL} -x`)).toMatch(/s4 OK/);
    expect(await a.command('s5', `SETACL Private -${CAROL} w`)).toMatch(/s5 OK/);
    expect(await a.command('s6', 'GETACL Private')).toMatch(
      /^\* ACL "Private" carol@acl.test lrtekcd -carol@acl.test w alice@acl.test lrwstipekxacd\r\n/m,
    );
    expect(await a.command('d1', `DELETEACL Private ${CAROL}`)).toMatch(/d1 OK/);
    expect(await a.command('d2', `DELETEACL Private -${CAROL}`)).toMatch(/d2 OK/);
    expect(await a.command('d3', 'GETACL Private')).toMatch(
      /^\* ACL "Private" alice@acl.test lrwstipekxacd\r\n/m,
    );
  });

  it('refuses unknown rights with BAD, foreign or unknown identifiers and the owner with NO', async () => {
    const a = await login(ALICE);
    expect(await a.command('b1', `SETACL Private ${BOB} lrQ`)).toMatch(/^b1 BAD .*Invalid ACL right: Q/m);
    expect(await a.command('b2', `SETACL Private ${BOB} lr9`)).toMatch(/^b2 BAD /m);
    expect(await a.command('b3', 'SETACL Private "" lr')).toMatch(/^b3 BAD /m);
    expect(await a.command('b4', 'SETACL Private nobody@acl.test lr')).toMatch(/^b4 NO \[CANNOT\]/m);
    expect(await a.command('b5', 'SETACL Private eve@elsewhere.test lr')).toMatch(/^b5 NO \[CANNOT\]/m);
    expect(await a.command('b6', `SETACL Private ${ALICE} lr`)).toMatch(/^b6 NO \[CANNOT\]/m);
    expect(await a.command('b7', 'GETACL Nope')).toMatch(/^b7 NO \[NONEXISTENT\] Mailbox does not exist/m);
    expect(await a.command('b8', `SETACL Nope ${BOB} lr`)).toMatch(/^b8 NO \[NONEXISTENT\]/m);
    expect(await a.command('b9', 'NOOP')).toMatch(/b9 OK/);
  });
});

describe('shared mailboxes', () => {
  beforeAll(async () => {
    const a = await login(ALICE);
    expect(await a.command('s1', `SETACL Projects ${BOB} lr`)).toMatch(/s1 OK/);
    expect(await a.command('s2', `SETACL Projects/2026 ${BOB} lrswite`)).toMatch(/s2 OK/);
    expect(await a.command('s3', `SETACL Inbound ${BOB} li`)).toMatch(/s3 OK/);
    await a.close();
  });

  it('lists only granted mailboxes under Other Users/<owner>/, with MYRIGHTS on request', async () => {
    const b = await login(BOB);
    const all = await b.command('l1', 'LIST "" "*"');
    expect(all).toMatch(/^\* LIST \(\\Noselect \\HasChildren\) "\/" "Other Users"\r\n/m);
    expect(all).toMatch(/^\* LIST \(\\Noselect \\HasChildren\) "\/" "Other Users\/alice@acl.test"\r\n/m);
    expect(all).toMatch(/^\* LIST \(\\HasChildren\) "\/" "Other Users\/alice@acl.test\/Projects"\r\n/m);
    expect(all).toMatch(
      /^\* LIST \(\\HasNoChildren\) "\/" "Other Users\/alice@acl.test\/Projects\/2026"\r\n/m,
    );
    expect(all).not.toMatch(/Reports|Private|alice@acl.test\/INBOX/);
    const top = await b.command('l2', 'LIST "" "%"');
    expect(top).toMatch(/"Other Users"\r\n/);
    expect(top).not.toMatch(/Other Users\//);
    expect(await b.command('l3', 'LIST "Other Users/" "%"')).toMatch(
      /^\* LIST \(\\Noselect \\HasChildren\) "\/" "Other Users\/alice@acl.test"\r\nl3 OK/m,
    );
    const rights = await b.command('l4', 'LIST "" "Other Users/*" RETURN (MYRIGHTS)');
    expect(rights).toMatch(
      /"Other Users\/alice@acl.test\/Projects"\r\n\* MYRIGHTS "Other Users\/alice@acl.test\/Projects" lr\r\n/,
    );
    expect(rights).toMatch(/\* MYRIGHTS "Other Users\/alice@acl.test\/Projects\/2026" lrwstied\r\n/);
    expect(rights).not.toMatch(/MYRIGHTS "Other Users"/);
    const own = await b.command('l5', 'LIST "" "INBOX" RETURN (MYRIGHTS STATUS (MESSAGES))');
    expect(own).toMatch(/^\* MYRIGHTS "INBOX" lrwstipekxacd\r\n/m);
    expect(own).toMatch(/^\* STATUS "INBOX" \(MESSAGES 0\)\r\n/m);
  });

  it('lr: SELECT is READ-ONLY, no flag may change, nothing may be appended or expunged', async () => {
    const b = await login(BOB);
    const sel = await b.command('r1', `SELECT ${shared('Projects')}`);
    expect(sel).toMatch(/^\* 2 EXISTS\r\n/m);
    expect(sel).toMatch(/^r1 OK \[READ-ONLY\]/m);
    expect(await b.command('r2', 'FETCH 1:2 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).toMatch(
      /Subject: budget/,
    );
    expect(await b.command('r3', 'STORE 2 +FLAGS (\\Seen)')).toMatch(/^r3 NO \[READ-ONLY\]/m);
    expect(await b.command('r4', 'EXPUNGE')).toMatch(/^r4 NO /m);
    expect(await b.command('r5', 'MOVE 1 INBOX')).toMatch(/^r5 NO /m);
    // Copying out needs nothing more than r on the source.
    expect(await b.command('r6', 'COPY 1 INBOX')).toMatch(/^r6 OK \[COPYUID /m);
    expect(await append(b, shared('Projects'), 'intrusion')).toMatch(/^A NO \[NOPERM\]/m);
    expect(await b.command('r7', `STATUS ${shared('Projects')} (MESSAGES UNSEEN)`)).toMatch(
      /^\* STATUS "Other Users\/alice@acl.test\/Projects" \(MESSAGES 2 UNSEEN 1\)\r\n/m,
    );
    expect(await b.command('r8', `DELETE ${shared('Projects')}`)).toMatch(/^r8 NO \[NOPERM\]/m);
    expect(await b.command('r9', `CREATE ${shared('Projects/Mine')}`)).toMatch(/^r9 NO \[NOPERM\]/m);
    expect(await b.command('ra', `GETACL ${shared('Projects')}`)).toMatch(/^ra NO \[NOPERM\]/m);
  });

  it('li: APPEND works but the mailbox cannot be read; flags need s/t/w (dropped, not refused)', async () => {
    const b = await login(BOB);
    expect(await append(b, shared('Inbound'), 'drop-off', '\\Seen \\Flagged')).toMatch(/^A OK \[APPENDUID /m);
    expect(await b.command('i1', `SELECT ${shared('Inbound')}`)).toMatch(/^i1 NO \[NOPERM\]/m);
    expect(await b.command('i2', `STATUS ${shared('Inbound')} (MESSAGES)`)).toMatch(/^i2 NO \[NOPERM\]/m);
    const a = await login(ALICE);
    await a.command('i3', 'SELECT Inbound');
    expect(await a.command('i4', 'FETCH 1 (FLAGS)')).toMatch(/^\* 1 FETCH \(FLAGS \((\\Recent)?\)\)/m);
  });

  it('lrs: READ-WRITE for \\Seen only; other flags and EXPUNGE are ignored with OK, as Dovecot does', async () => {
    const a = await login(ALICE);
    await a.command('n0', 'CREATE Notes');
    await append(a, 'Notes', 'note', '\\Deleted');
    expect(await a.command('n1', `SETACL Notes ${BOB} lrs`)).toMatch(/n1 OK/);
    const b = await login(BOB);
    const sel = await b.command('n2', `SELECT ${shared('Notes')}`);
    expect(sel).toMatch(/^\* OK \[PERMANENTFLAGS \(\\Seen\)\]/m);
    expect(sel).toMatch(/^n2 OK \[READ-WRITE\]/m);
    expect(await b.command('n3', 'STORE 1 +FLAGS (\\Flagged)')).toMatch(/^n3 OK/m);
    expect(await b.command('n4', 'STORE 1 +FLAGS (\\Seen \\Flagged)')).toMatch(
      /^\* 1 FETCH \(FLAGS \(\\Deleted \\Seen( \\Recent)?\)\)/m,
    );
    // A replacing STORE changes what s allows and keeps \Deleted, which needs t (RFC 4314 §4).
    expect(await b.command('n5', 'STORE 1 FLAGS ($Todo)')).toMatch(
      /^\* 1 FETCH \(FLAGS \(\\Deleted( \\Recent)?\)\)/m,
    );
    expect(await b.command('n8', 'STORE 1 FLAGS (\\Seen \\Flagged)')).toMatch(
      /^\* 1 FETCH \(FLAGS \(\\Deleted \\Seen( \\Recent)?\)\)/m,
    );
    expect(await b.command('n6', 'EXPUNGE')).toMatch(/^n6 OK/m);
    expect(await a.command('n7', 'STATUS Notes (MESSAGES)')).toMatch(/MESSAGES 1\)/);
  });

  it('lrswite: READ-WRITE with the flags those rights allow, EXPUNGE, COPY in drops \\Flagged', async () => {
    const a = await login(ALICE);
    await append(a, 'Projects/2026', 'kickoff');
    await append(a, 'Projects/2026', 'retro');
    const b = await login(BOB);
    const sel = await b.command('w1', `SELECT ${shared('Projects/2026')}`);
    expect(sel).toMatch(
      /^\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft .*\\\*\)\]/m,
    );
    expect(sel).toMatch(/^w1 OK \[READ-WRITE\]/m);
    expect(await b.command('w2', 'STORE 1 +FLAGS (\\Seen \\Flagged)')).toMatch(
      /FLAGS \((\\Seen \\Flagged|\\Flagged \\Seen)( \\Recent)?\)/,
    );
    expect(await b.command('w3', 'STORE 2 +FLAGS.SILENT (\\Deleted)')).toMatch(/w3 OK/);
    expect(await b.command('w4', 'EXPUNGE')).toMatch(/^\* 2 EXPUNGE\r\nw4 OK/m);
    await a.command('w5', 'SELECT Projects/2026');
    expect(await a.command('w6', 'FETCH 1:* (FLAGS)')).toMatch(
      /^\* 1 FETCH \(FLAGS \((\\Seen \\Flagged|\\Flagged \\Seen)\)\)\r\nw6 OK/m,
    );
    // Carol gets i and s only: COPY into her grant keeps \Seen, drops \Flagged and \Deleted.
    expect(await a.command('w7', `SETACL Reports ${CAROL} lris`)).toMatch(/w7 OK/);
    await a.command('w8', 'STORE 1 +FLAGS (\\Deleted)');
    const c = await login(CAROL);
    await append(c, 'INBOX', 'from carol', '\\Seen \\Flagged \\Deleted');
    await c.command('w9', 'SELECT INBOX');
    expect(await c.command('wa', `COPY 1 ${shared('Reports')}`)).toMatch(/^wa OK \[COPYUID /m);
    // EXAMINE: nobody has claimed the copy, so it is \Recent in this view (RFC 3501 §2.3.2).
    await a.command('wb', 'EXAMINE Reports');
    expect(await a.command('wc', 'FETCH 2 (FLAGS)')).toMatch(/^\* 2 FETCH \(FLAGS \(\\Seen \\Recent\)\)\r$/m);
  });

  it('CREATE needs k on the parent and inherits its ACL; DELETE needs x; RENAME stays with the owner', async () => {
    const a = await login(ALICE);
    expect(await a.command('k1', `SETACL Projects ${CAROL} lrkx`)).toMatch(/k1 OK/);
    const c = await login(CAROL);
    expect(await c.command('k2', `CREATE ${shared('Projects/Drafts', ALICE)}`)).toMatch(/^k2 OK/m);
    expect(await c.command('k3', `MYRIGHTS ${shared('Projects/Drafts')}`)).toMatch(/lrkxc\r\n/);
    expect(await a.command('k4', 'GETACL Projects/Drafts')).toMatch(/ carol@acl.test lrkxc /);
    expect(await c.command('k5', `RENAME ${shared('Projects/Drafts')} ${shared('Projects/Ideas')}`)).toMatch(
      /^k5 OK/m,
    );
    expect(await c.command('k6', `RENAME ${shared('Projects/Ideas')} Ideas`)).toMatch(/^k6 NO \[CANNOT\]/m);
    expect(await c.command('k7', `CREATE ${shared('TopLevel')}`)).toMatch(/^k7 NO \[NOPERM\]/m);
    // The nearest existing parent decides, even when one further up grants "k".
    expect(await c.command('kb', `CREATE ${shared('Projects/2026/Sneaky')}`)).toMatch(/^kb NO \[NOPERM\]/m);
    expect(await c.command('k8', `DELETE ${shared('Projects/Ideas')}`)).toMatch(/^k8 OK/m);
    expect(await a.command('k9', 'LIST "" "Projects/*"')).not.toMatch(/Ideas|Drafts/);
    expect(await a.command('ka', `DELETEACL Projects ${CAROL}`)).toMatch(/ka OK/);
  });

  it('"anyone" reaches every account of the owner\'s domain', async () => {
    const a = await login(ALICE);
    expect(await a.command('y1', 'SETACL Reports anyone lr')).toMatch(/y1 OK/);
    const b = await login(BOB);
    expect(await b.command('y2', `MYRIGHTS ${shared('Reports')}`)).toMatch(/^\* MYRIGHTS .* lr\r\n/m);
    expect(await a.command('y3', `SETACL Reports -${BOB} r`)).toMatch(/y3 OK/);
    expect(await b.command('y4', `MYRIGHTS ${shared('Reports')}`)).toMatch(/^\* MYRIGHTS .* l\r\n/m);
    expect(await b.command('y5', `SELECT ${shared('Reports')}`)).toMatch(/^y5 NO \[NOPERM\]/m);
    await a.command('y6', 'DELETEACL Reports anyone');
    await a.command('y7', `DELETEACL Reports -${BOB}`);
    expect(await b.command('y8', `SELECT ${shared('Reports')}`)).toMatch(
      /^y8 NO \[NONEXISTENT\] Mailbox does not exist/m,
    );
  });

  it("pushes the owner's changes into the grantee's IDLE and the grantee's into the owner's", async () => {
    const b = await login(BOB);
    const exists = Number(
      /\* (\d+) EXISTS/.exec(await b.command('p1', `SELECT ${shared('Projects/2026')}`))![1],
    );
    b.write('p2 IDLE\r\n');
    await b.until(/\+ /);
    const a = await login(ALICE);
    await append(a, 'Projects/2026', 'pushed');
    await b.until(new RegExp(`^\\* ${exists + 1} EXISTS\r\n`, 'm'));
    b.write('DONE\r\n');
    expect(await b.tagged('p2')).toMatch(/p2 OK/);
    await a.command('p3', 'SELECT Projects/2026');
    a.write('p4 IDLE\r\n');
    await a.until(/\+ /);
    await b.command('p5', `STORE ${exists + 1} +FLAGS (\\Seen)`);
    await a.until(new RegExp(`^\\* ${exists + 1} FETCH \\(.*\\\\Seen`, 'm'));
    a.write('DONE\r\n');
    expect(await a.tagged('p4')).toMatch(/p4 OK/);
  });

  it('a deleted grantee account takes its grants along', async () => {
    await addUser(h, 'dave@acl.test', 'pw-dave');
    const a = await login(ALICE);
    expect(await a.command('x1', 'SETACL Reports dave@acl.test lr')).toMatch(/x1 OK/);
    expect(await a.command('x2', 'GETACL Reports')).toMatch(/dave@acl.test lr /);
    await h.node.admin({ op: 'user.remove', address: 'dave@acl.test' });
    expect(await a.command('x3', 'GETACL Reports')).not.toMatch(/dave/);
  });
});

describe('administration (admin op table, `nimbus acl list|remove`)', () => {
  it('lists grants by domain or account and removes one by id, audited', async () => {
    const a = await login(ALICE);
    expect(await a.command('z1', `SETACL Private ${CAROL} lrs`)).toMatch(/z1 OK/);
    type Grant = { id: number; owner: string; mailbox: string; identifier: string; rights: string };
    const all = (await h.node.admin({ op: 'acl.list', domain: 'acl.test' })) as Grant[];
    const grant = all.find((g) => g.mailbox === 'Private' && g.identifier === CAROL)!;
    expect(grant).toMatchObject({ owner: ALICE, rights: 'lrs' });
    const carol = (await h.node.admin({ op: 'acl.list', address: CAROL })) as Grant[];
    expect(carol.every((g) => g.identifier === CAROL || g.owner === CAROL)).toBe(true);
    expect((await h.node.admin({ op: 'acl.list', domain: 'elsewhere.test' })) as Grant[]).toEqual([]);
    expect(await h.node.admin({ op: 'acl.remove', id: grant.id })).toMatchObject({ mailbox: 'Private' });
    await expect(h.node.admin({ op: 'acl.remove', id: grant.id })).rejects.toThrow(/no grant/);
    expect(await a.command('z2', 'GETACL Private')).not.toMatch(/carol/);
    const audit = await h.node.storage.db.query<{ action: string; old_value: { mailbox?: string } }>(
      `SELECT action, old_value FROM admin_audit WHERE action = 'acl.remove' ORDER BY id LIMIT 1`,
    );
    expect(audit.rows[0]?.old_value?.mailbox).toBe('Private');
  });
});

describe('LIST (SUBSCRIBED RECURSIVEMATCH) (RFC 5258 §3.5, as Dovecot answers)', () => {
  it('lists an unsubscribed parent only for subscribed children the pattern does not list', async () => {
    const r = await login(CAROL);
    for (const box of ['Foo', 'Foo/Bar', 'Fruit', 'Fruit/Peach']) await r.command('c', `CREATE ${box}`);
    for (const box of ['Foo/Bar', 'Fruit', 'Fruit/Peach']) await r.command('u', `SUBSCRIBE ${box}`);
    const star = await r.command('r1', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "F*"');
    expect(star).not.toMatch(/"Foo"/);
    expect(star).toMatch(/^\* LIST \(\\Subscribed \\HasNoChildren\) "\/" "Foo\/Bar"\r\n/m);
    expect(star).toMatch(
      /^\* LIST \(\\Subscribed \\HasChildren\) "\/" "Fruit" \("CHILDINFO" \("SUBSCRIBED"\)\)\r\n/m,
    );
    const top = await r.command('r2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "F%"');
    expect(top).toMatch(/^\* LIST \(\\HasChildren\) "\/" "Foo" \("CHILDINFO" \("SUBSCRIBED"\)\)\r\n/m);
    const both = await r.command('r3', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("Foo" "Foo/%")');
    expect(both).not.toMatch(/"Foo" \(/);
    expect(both).toMatch(/"Foo\/Bar"\r\n/);
  });
});

describe('real clients', () => {
  it('imapflow lists, opens and reads a shared mailbox', async () => {
    const c = client(h, BOB, 'pw-bob');
    await c.connect();
    try {
      const list = await c.list();
      const paths = list.map((m) => m.path);
      expect(paths).toContain('Other Users/alice@acl.test/Projects/2026');
      expect(paths).not.toContain('Other Users/alice@acl.test/Private');
      const box = await c.mailboxOpen('Other Users/alice@acl.test/Projects');
      expect(box.readOnly).toBe(true);
      const subjects: string[] = [];
      for await (const m of c.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
      expect(subjects).toEqual(['plan', 'budget']);
    } finally {
      await c.logout();
    }
  });

  it('imaplib: setacl, getacl, myrights, deleteacl', async () => {
    const out = await python(
      `
import imaplib, os
m = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
m.login('${ALICE}', 'pw-alice')
print(m.setacl('Private', '${CAROL}', 'lrs')[0])
print(m.getacl('Private')[1][0].decode())
print(m.myrights('Private')[1][0].decode())
print(m.deleteacl('Private', '${CAROL}')[0])
print(m.getacl('Private')[1][0].decode())
m.logout()
`,
      { PORT: String(h.port) },
    );
    expect(out.split('\n').slice(0, 5)).toEqual([
      'OK',
      '"Private" carol@acl.test lrs alice@acl.test lrwstipekxacd',
      '"Private" lrwstipekxacd',
      'OK',
      '"Private" alice@acl.test lrwstipekxacd',
    ]);
  });
});
