/**
 * IMAP protocol details over a raw socket: grammar errors, literals and limits, CONDSTORE /
 * QRESYNC, ESEARCH / SEARCHRES, BINARY, MULTIAPPEND, LIST-EXTENDED, the EXPUNGE rules between
 * sessions, SASL-IR, and BYE on shutdown.
 */
import fc from 'fast-check';
import { addUser, RawImap, startImapHarness, type ImapHarness, testMessage } from './imap-harness';

let h: ImapHarness;
const raws: RawImap[] = [];

async function login(user = 'pat@example.test', pass = 'pat-pw'): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${user} ${pass}`)).toMatch(/L OK/);
  return r;
}

const msg = testMessage;

beforeAll(async () => {
  h = await startImapHarness({ maxLiteralSize: 100_000, maxCommandLineLength: 2000 });
  await addUser(h, 'pat@example.test', 'pat-pw');
  await addUser(h, 'quinn@example.test', 'quinn-pw', 2000);
});

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => {
  await h.close();
});

describe('syntax and limits', () => {
  it('answers malformed commands with BAD and a reason, and keeps going', async () => {
    const r = await login();
    expect(await r.command('a1', 'FROB')).toMatch(/^a1 BAD Unknown command FROB/m);
    expect(await r.command('a2', 'SELECT')).toMatch(/^a2 BAD .*Missing arguments/m);
    expect(await r.command('a3', 'FETCH 1 FLAGS')).toMatch(/^a3 BAD .*No mailbox selected/m);
    expect(await r.command('a4', 'SELECT "INBOX')).toMatch(/^a4 BAD .*Unterminated quoted string/m);
    await r.command('a5', 'SELECT INBOX');
    expect(await r.command('a6', 'FETCH 0 FLAGS')).toMatch(/^a6 BAD /m);
    expect(await r.command('a7', 'FETCH 1:* (FLAGS')).toMatch(/^a7 BAD /m);
    expect(await r.command('a8', 'FETCH 1 (BODY[1.2.HEADERX])')).toMatch(/^a8 BAD /m);
    expect(await r.command('a9', 'SEARCH FROBNICATE')).toMatch(/^a9 BAD .*Unknown search key/m);
    expect(await r.command('b1', 'STORE 1 +FLAGS (\\Bogus)')).toMatch(/^b1 BAD /m);
    expect(await r.command('b2', 'NOOP')).toMatch(/^b2 OK/m);
  });

  it('handles * on an empty mailbox and huge UID ranges cheaply', async () => {
    const r = await login();
    await r.command('c0', 'CREATE Empty');
    await r.command('c1', 'SELECT Empty');
    expect(await r.command('c2', 'UID FETCH 1:4294967295 (FLAGS)')).toMatch(/^c2 OK/m);
    expect(await r.command('c3', 'FETCH 1:* FLAGS')).toMatch(/^c3 OK/m);
    expect(await r.command('c4', 'UID SEARCH UID 1:4294967295')).toMatch(/\* SEARCH\r\nc4 OK/);
    expect(await r.command('c5', 'FETCH 5 FLAGS')).toMatch(/^c5 BAD /m);
    expect(await r.command('c6', 'UID STORE 1:4294967295 +FLAGS (\\Seen)')).toMatch(/^c6 OK/m);
  });

  it('refuses a too-long command line and a too-large literal, then continues', async () => {
    const r = await login();
    r.write(`t1 NOOP ${'x'.repeat(3000)}\r\n`);
    expect(await r.tagged('t1')).toMatch(/t1 BAD .*too long/);
    r.write('t2 APPEND INBOX {200000}\r\n');
    expect(await r.tagged('t2')).toMatch(/t2 NO \[TOOBIG\]/);
    expect(await r.command('t3', 'NOOP')).toMatch(/t3 OK/);
  });

  it('checks APPEND size against the quota before the literal is sent', async () => {
    const r = await login('quinn@example.test', 'quinn-pw');
    r.write('q1 APPEND INBOX {5000}\r\n');
    const answer = await r.tagged('q1');
    expect(answer).toMatch(/^q1 NO \[OVERQUOTA\]/m);
    expect(answer).not.toMatch(/\+ /);
    // A non-synchronising literal over quota is read and discarded.
    r.write(`q2 APPEND INBOX {3000+}\r\n${'z'.repeat(3000)}\r\n`);
    expect(await r.tagged('q2')).toMatch(/q2 NO \[OVERQUOTA\]/);
    expect(await r.append('INBOX', msg('small'))).toMatch(/A OK \[APPENDUID \d+ 1\]/);
  });

  it('supports AUTHENTICATE PLAIN with SASL-IR and with a continuation', async () => {
    const creds = Buffer.from('\0pat@example.test\0pat-pw').toString('base64');
    const r = await RawImap.connect(h.port);
    raws.push(r);
    expect(await r.command('s1', `AUTHENTICATE PLAIN ${creds}`)).toMatch(/s1 OK \[CAPABILITY /);
    const r2 = await RawImap.connect(h.port);
    raws.push(r2);
    r2.write('s2 AUTHENTICATE PLAIN\r\n');
    await r2.until(/^\+ /m);
    r2.take();
    r2.write(`${creds}\r\n`);
    expect(await r2.tagged('s2')).toMatch(/s2 OK/);
  });
});

describe('extensions', () => {
  it('MULTIAPPEND, BINARY, literal8 and APPENDUID ranges', async () => {
    const r = await login();
    await r.command('m0', 'CREATE Multi');
    const one = msg('one');
    const two =
      'Subject: two\r\nContent-Transfer-Encoding: base64\r\nContent-Type: application/octet-stream\r\n\r\nAAECAw==\r\n';
    const res = await r.command(
      'm1',
      `APPEND Multi {${one.length}+}\r\n${one} (\\Seen) {${two.length}+}\r\n${two}`,
    );
    expect(res).toMatch(/m1 OK \[APPENDUID \d+ 1:2\]/);
    await r.command('m2', 'SELECT Multi');
    const bin = await r.command('m3', 'FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])');
    expect(bin).toContain('BINARY[1] ~{4}\r\n\x00\x01\x02\x03');
    expect(bin).toContain('BINARY.SIZE[1] 4');
    const eight = Buffer.concat([
      Buffer.from('Subject: bin\r\n\r\n'),
      Buffer.from([0, 1, 2]),
      Buffer.from('\r\n'),
    ]);
    r.write(
      Buffer.concat([Buffer.from(`m4 APPEND Multi ~{${eight.length}+}\r\n`), eight, Buffer.from('\r\n')]),
    );
    expect(await r.tagged('m4')).toMatch(/m4 OK \[APPENDUID \d+ 3\]/);
  });

  it('CONDSTORE: UNCHANGEDSINCE fails with MODIFIED, CHANGEDSINCE returns only changes', async () => {
    const r = await login();
    await r.command('k0', 'CREATE Cond');
    await r.append('Cond', msg('c1'));
    await r.append('Cond', msg('c2'));
    const sel = await r.command('k1', 'SELECT Cond (CONDSTORE)');
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(sel)![1]);
    const stored = await r.command('k2', `UID STORE 1 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Flagged)`);
    expect(stored).toMatch(/\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent\) MODSEQ \((\d+)\)\)/);
    const after = await r.command('k3', `UID STORE 1:2 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Seen)`);
    expect(after).toMatch(/k3 OK \[MODIFIED 1\]/);
    const changed = await r.command('k4', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq})`);
    expect(changed).toMatch(/\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent\) MODSEQ/);
    expect(changed).toMatch(/\* 2 FETCH \(UID 2 FLAGS \(\\Seen \\Recent\) MODSEQ/);
    expect(await r.command('k5', `SEARCH MODSEQ ${modseq + 1}`)).toMatch(/\* SEARCH 1 2 \(MODSEQ \d+\)/);
    expect(await r.command('k6', 'STATUS Cond (HIGHESTMODSEQ)')).toMatch(/HIGHESTMODSEQ \d+/);
  });

  it('CONDSTORE is enabled by FETCH MODSEQ and SEARCH MODSEQ: later STORE replies carry MODSEQ', async () => {
    for (const [tag, enabling] of [
      ['f', 'FETCH 1 (MODSEQ)'],
      ['s', 'SEARCH MODSEQ 1'],
    ]) {
      const r = await login();
      await r.command(`${tag}0`, `CREATE Implicit${tag}`);
      await r.append(`Implicit${tag}`, msg(`i${tag}`));
      await r.command(`${tag}1`, `SELECT Implicit${tag}`);
      expect(await r.command(`${tag}2`, 'STORE 1 +FLAGS (\\Flagged)')).not.toMatch(/MODSEQ/);
      await r.command(`${tag}3`, enabling);
      expect(await r.command(`${tag}4`, 'STORE 1 +FLAGS (\\Seen)')).toMatch(
        /\* 1 FETCH \(FLAGS \([^)]*\) MODSEQ \(\d+\)\)/,
      );
    }
  });

  it('QRESYNC: VANISHED (EARLIER) on SELECT and VANISHED on expunge', async () => {
    const r = await login();
    await r.command('v0', 'CREATE Qr');
    for (let i = 0; i < 3; i++) await r.append('Qr', msg(`q${i}`));
    const st = await r.command('v1', 'STATUS Qr (UIDVALIDITY HIGHESTMODSEQ)');
    const [, uidvalidity, modseq] = /UIDVALIDITY (\d+) HIGHESTMODSEQ (\d+)/.exec(st)!;
    const other = await login();
    await other.command('o1', 'SELECT Qr');
    await other.command('o2', 'STORE 2 +FLAGS (\\Deleted)');
    await other.command('o3', 'EXPUNGE');
    await other.command('o4', 'STORE 1 +FLAGS (\\Seen)');
    expect(await r.command('v2', 'ENABLE QRESYNC')).toMatch(/\* ENABLED QRESYNC/);
    const sel = await r.command('v3', `SELECT Qr (QRESYNC (${uidvalidity} ${modseq}))`);
    expect(sel).toMatch(/\* VANISHED \(EARLIER\) 2\r\n/);
    expect(sel).toMatch(/\* 1 FETCH \(UID 1 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)/);
    await other.command('o5', 'STORE 1 +FLAGS (\\Deleted)');
    await other.command('o6', 'EXPUNGE');
    expect(await r.command('v4', 'NOOP')).toMatch(/\* VANISHED 1\r\n/);
    const fetched = await r.command('v5', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
    expect(fetched).toMatch(/\* VANISHED \(EARLIER\) 1:2\r\n/);
  });

  it('ESEARCH and SEARCHRES', async () => {
    const r = await login();
    await r.command('e0', 'CREATE Es');
    for (let i = 0; i < 5; i++) await r.append('Es', msg(`e${i}`), i % 2 ? '\\Seen' : '');
    await r.command('e1', 'SELECT Es');
    expect(await r.command('e2', 'SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN')).toMatch(
      /\* ESEARCH \(TAG "e2"\) MIN 1 MAX 5 ALL 1,3,5 COUNT 3\r\n/,
    );
    expect(await r.command('e3', 'UID SEARCH RETURN (SAVE) SEEN')).not.toMatch(/ESEARCH/);
    expect(await r.command('e4', 'UID FETCH $ (FLAGS)')).toMatch(/UID 2 [\s\S]*UID 4 /);
    expect(await r.command('e5', 'SEARCH RETURN () OR SUBJECT e1 SUBJECT e3')).toMatch(
      /ESEARCH \(TAG "e5"\) ALL 2,4/,
    );
    expect(await r.command('e6', 'SEARCH YOUNGER 3600 NOT OLDER 3600')).toMatch(/\* SEARCH 1 2 3 4 5/);
  });

  it('LIST-EXTENDED, LIST-STATUS, SPECIAL-USE and CREATE-SPECIAL-USE', async () => {
    const r = await login();
    expect(await r.command('l1', 'CREATE Stuff (USE (\\Flagged))')).toMatch(/l1 OK/);
    expect(await r.command('l2', 'CREATE Bad (USE (\\Bogus))')).toMatch(/l2 NO \[USEATTR\]/);
    const special = await r.command('l3', 'LIST (SPECIAL-USE) "" "*"');
    expect(special).toMatch(/\* LIST \(\\HasNoChildren \\Flagged\) "\/" "Stuff"/);
    expect(special).not.toMatch(/"INBOX"/);
    const status = await r.command(
      'l4',
      'LIST "" (INBOX Sent) RETURN (STATUS (MESSAGES UIDNEXT) SUBSCRIBED)',
    );
    expect(status).toMatch(
      /\* LIST \(\\Subscribed \\HasNoChildren\) "\/" "INBOX"\r\n\* STATUS "INBOX" \(MESSAGES \d+ UIDNEXT \d+\)/,
    );
    await r.command('l5', 'SUBSCRIBE Ghost');
    expect(await r.command('l6', 'LIST (SUBSCRIBED) "" "G*"')).toMatch(
      /\* LIST \(\\NonExistent \\Subscribed\) "\/" "Ghost"/,
    );
    expect(await r.command('l7', 'LIST "" ""')).toMatch(/\* LIST \(\\Noselect\) "\/" ""/);
    expect(await r.command('l8', 'CREATE "&AMk-t&AOk-"')).toMatch(/l8 OK/);
    expect(await r.command('l9', 'LIST "" "&AMk-*"')).toMatch(/"&AMk-t&AOk-"/);
    expect(await r.command('la', 'ENABLE UTF8=ACCEPT')).toMatch(/ENABLED UTF8=ACCEPT/);
    expect(await r.command('lb', 'LIST "" "É*"')).toContain(Buffer.from('"Été"').toString('latin1'));
  });

  it('LIST (SUBSCRIBED RECURSIVEMATCH): CHILDINFO goes to the closest parent the patterns list (RFC 5258 §3.5)', async () => {
    const r = await login();
    for (const box of ['Job', 'Job/Clients', 'Job/Clients/Acme', 'Job/Notes']) {
      await r.command('c', `CREATE ${box}`);
      await r.command('u', `UNSUBSCRIBE ${box}`);
    }
    await r.command('s', 'SUBSCRIBE Job/Clients/Acme');
    const childInfo = (name: string) => `* LIST (\\HasChildren) "/" "${name}" ("CHILDINFO" ("SUBSCRIBED"))\r`;
    const jobLines = (out: string) => out.split('\n').filter((l) => l.includes('"Job'));
    // Job/Clients matches "Job/%" and carries the CHILDINFO: "Job" is not listed for it.
    const both = await r.command('r1', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("J%" "Job/%")');
    expect(jobLines(both)).toEqual([childInfo('Job/Clients')]);
    expect(both).toMatch(/^r1 OK/m);
    // One pattern each: the parent it matches is listed, with CHILDINFO.
    expect(jobLines(await r.command('r2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "J%"'))).toEqual([
      childInfo('Job'),
    ]);
    expect(jobLines(await r.command('r3', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Job/%"'))).toEqual([
      childInfo('Job/Clients'),
    ]);
    // The subscribed mailbox itself matches: no parent is listed for it.
    expect(jobLines(await r.command('r4', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("J%" "Job/*")'))).toEqual([
      '* LIST (\\Subscribed \\HasNoChildren) "/" "Job/Clients/Acme"\r',
    ]);
  });

  it('property: RECURSIVEMATCH lists what is subscribed and each closest listed parent of what the patterns miss', async () => {
    const r = await login();
    const tree = ['Pr', 'Pr/A', 'Pr/A/X', 'Pr/A/Y', 'Pr/B', 'Pr/B/Z'];
    for (const box of tree) await r.command('c', `CREATE ${box}`);
    const pool = ['Pr%', 'Pr', 'Pr/%', 'Pr/%/%', 'Pr/A/%', 'Pr/B', 'Pr/A', 'Pr/B*'];
    const regex = (p: string) =>
      new RegExp(
        `^${p
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/%/g, '[^/]*')}$`,
      );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(tree),
        fc.subarray(pool, { minLength: 1 }),
        async (subscribed, patterns) => {
          for (const box of tree) {
            await r.command('s', `${subscribed.includes(box) ? 'SUBSCRIBE' : 'UNSUBSCRIBE'} ${box}`);
          }
          const tag = `p${++n}`;
          const out = await r.command(
            tag,
            `LIST (SUBSCRIBED RECURSIVEMATCH) "" (${patterns.map((p) => `"${p}"`).join(' ')})`,
          );
          expect(out).toMatch(new RegExp(`^${tag} OK`, 'm'));
          const listed = new Map<string, string>();
          for (const m of out.matchAll(
            /^\* LIST \(([^)]*)\) "\/" "(Pr[^"]*)"( \("CHILDINFO" \("SUBSCRIBED"\)\))?\r$/gm,
          )) {
            listed.set(m[2], `${m[1].includes('\\Subscribed') ? 'S' : '-'}${m[3] ? 'C' : '-'}`);
          }
          const matches = (name: string) => patterns.some((p) => regex(p).test(name));
          const expected = new Map<string, string>();
          for (const name of tree) {
            if (!matches(name)) continue;
            const below = subscribed.filter((d) => d.startsWith(name + '/'));
            const childInfo = below.length > 0 ? 'C' : '-';
            if (subscribed.includes(name)) {
              expected.set(name, 'S' + childInfo);
              continue;
            }
            // Closest listed ancestor of a subscribed mailbox no pattern lists.
            const owed = below.some(
              (d) =>
                !matches(d) &&
                !tree.some((m) => m.startsWith(name + '/') && d.startsWith(m + '/') && matches(m)),
            );
            if (owed) expected.set(name, '-C');
          }
          expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(expected));
        },
      ),
      { numRuns: 100, examples: [[['Pr/A/X'], ['Pr%', 'Pr/%']]] },
    );
  });

  it('ID, NAMESPACE, CAPABILITY, UNSELECT, GETQUOTAROOT, COMPRESS refusal twice', async () => {
    const r = await login();
    expect(await r.command('i1', 'ID ("name" "test")')).toMatch(/\* ID \("name" "Nimbus Mail"/);
    expect(await r.command('i2', 'NAMESPACE')).toMatch(
      /\* NAMESPACE \(\("" "\/"\)\) \(\("Other Users\/" "\/"\)\) NIL/,
    );
    await r.command('i3', 'SELECT INBOX');
    expect(await r.command('i4', 'UNSELECT')).toMatch(/i4 OK/);
    expect(await r.command('i5', 'FETCH 1 FLAGS')).toMatch(/i5 BAD/);
    const q = await login('quinn@example.test', 'quinn-pw');
    expect(await q.command('i6', 'GETQUOTAROOT INBOX')).toMatch(
      /\* QUOTAROOT "INBOX" ""\r\n\* QUOTA "" \(STORAGE \d+ 1\)/,
    );
    expect(await q.command('i7', 'SETQUOTA "" (STORAGE 100)')).toMatch(/i7 NO/);
  });
});

describe('several sessions on one mailbox', () => {
  it('never sends EXPUNGE during FETCH, STORE or SEARCH; does during NOOP', async () => {
    const a = await login();
    const b = await login();
    await a.command('x0', 'CREATE Shared');
    for (let i = 0; i < 3; i++) await a.append('Shared', msg(`s${i}`));
    await a.command('x1', 'SELECT Shared');
    await b.command('y1', 'SELECT Shared');
    await b.command('y2', 'STORE 1 +FLAGS (\\Deleted)');
    await b.command('y3', 'EXPUNGE');
    const fetch = await a.command('x2', 'FETCH 1:3 (FLAGS)');
    expect(fetch).not.toMatch(/\* \d+ EXPUNGE/);
    expect(fetch).toMatch(/\* 3 FETCH/);
    // The expunged message is still served until the expunge is reported (expunge retention).
    expect(fetch).toMatch(/\* 1 FETCH \(FLAGS \(\\Deleted/);
    expect(fetch).toMatch(/x2 OK/);
    expect(await a.command('x3', 'SEARCH ALL')).not.toMatch(/\* \d+ EXPUNGE/);
    expect(await a.command('x4', 'STORE 2 +FLAGS (\\Seen)')).not.toMatch(/\* \d+ EXPUNGE/);
    const noop = await a.command('x5', 'NOOP');
    expect(noop).toMatch(/\* 1 EXPUNGE\r\n/);
    await b.append('Shared', msg('late'));
    expect(await a.command('x6', 'NOOP')).toMatch(/\* 3 EXISTS\r\n/);
  });

  it('gives \\Recent to one session only', async () => {
    const a = await login();
    await a.command('r0', 'CREATE Rec');
    await a.append('Rec', msg('recent'));
    expect(await a.command('r1', 'SELECT Rec')).toMatch(/\* 1 RECENT/);
    const b = await login();
    expect(await b.command('r2', 'SELECT Rec')).toMatch(/\* 0 RECENT/);
    expect(await b.command('r3', 'EXAMINE Rec')).toMatch(/\[READ-ONLY\]/);
  });

  it('pushes EXISTS into IDLE and ends IDLE on DONE', async () => {
    const a = await login();
    await a.command('d0', 'SELECT INBOX');
    a.write('d1 IDLE\r\n');
    await a.until(/\+ idling/);
    a.take();
    const b = await login();
    await b.append('INBOX', msg('push'));
    await a.until(/\* \d+ EXISTS/);
    a.write('DONE\r\n');
    expect(await a.tagged('d1')).toMatch(/d1 OK IDLE terminated/);
  });
});

describe('shutdown and lockout', () => {
  it('locks out an address after repeated authentication failures', async () => {
    const local = await startImapHarness();
    await addUser(local, 'lock@example.test', 'lock-pw');
    const r = await RawImap.connect(local.port);
    raws.push(r);
    for (let i = 0; i < 3; i++) {
      expect(await r.command(`f${i}`, 'LOGIN lock@example.test wrong')).toMatch(
        /NO \[AUTHENTICATIONFAILED\]/,
      );
    }
    expect(await r.command('f9', 'LOGIN lock@example.test lock-pw')).toMatch(/f9 NO \[UNAVAILABLE\]/);
    await local.close();
  });

  it('sends BYE to every session when the server closes', async () => {
    const local = await startImapHarness();
    try {
      await addUser(local, 'z@example.test', 'z-pw');
      const r = await RawImap.connect(local.port);
      await r.command('b1', 'LOGIN z@example.test z-pw');
      r.write('b2 IDLE\r\n');
      await r.until(/\+ idling/);
      await local.imap.close();
      expect(await r.until(/\* BYE .*\r\n/)).toMatch(/BYE/);
      await r.close();
    } finally {
      await local.node.destroy();
    }
  });
});
