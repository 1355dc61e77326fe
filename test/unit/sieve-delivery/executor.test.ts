/**
 * SieveDelivery over PGlite with the real engine: what the plan says for global, personal and
 * vacation scripts, and that every failure is INBOX plus a notice.
 */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import { SieveDelivery } from '../../../core/sieve/delivery/executor';
import { DEFAULT_SIEVE_LIMITS, SieveScriptStore } from '../../../core/sieve/script-store';

let db: PgliteDatabase;
let store: SieveScriptStore;
let sieve: SieveDelivery;
let directory: Directory;
let n = 0;

const limits = { ...DEFAULT_SIEVE_LIMITS, maxRedirects: 2 };

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  directory = new Directory(db);
  store = new SieveScriptStore(db, limits);
  sieve = new SieveDelivery(db, store, limits);
});

afterAll(async () => {
  await db.close();
});

/** A fresh account in a fresh domain, so global scripts of one test do not leak into another. */
async function account() {
  n += 1;
  const domain = `exec${n}.test`;
  await directory.addDomain(domain);
  const a = await directory.addAccount(`user@${domain}`, 'user-password-1');
  return { id: a.id, address: a.address, domain };
}

const message = (subject: string, extra = '') =>
  Buffer.from(
    `From: zoe@outside.test\r\nTo: user@x.test\r\nSubject: ${subject}\r\n${extra}Message-ID: <m${subject.length}@o>\r\n\r\nHello\r\n`,
  );

async function planFor(a: { id: number; address: string }, msg: Buffer) {
  return sieve.plan({ account: a, recipient: a.address, mailFrom: 'zoe@outside.test', message: msg });
}

async function activate(a: { id: number }, content: string) {
  const put = await store.put(String(a.id), 'main', content);
  if (!put.ok) throw new Error(JSON.stringify(put));
  await store.setActive(String(a.id), 'main');
}

describe('SieveDelivery.plan', () => {
  it('is null for an account with nothing for Sieve to do', async () => {
    expect(await planFor(await account(), message('hi'))).toBeNull();
  });

  it('files with flags', async () => {
    const a = await account();
    await activate(a, `require ["fileinto", "imap4flags"]; fileinto :flags "\\\\Seen" "Archive";`);
    const plan = await planFor(a, message('hi'));
    expect(plan?.folders).toEqual([{ name: 'Archive', flags: ['\\Seen'], create: false }]);
    expect(plan?.notice).toBeUndefined();
  });

  it('runs the global before script first; its stop is final', async () => {
    const a = await account();
    await store.putGlobal(
      a.domain,
      'before',
      `require ["spamtest", "fileinto", "relational", "comparator-i;ascii-numeric"];
       if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; stop; }`,
    );
    await activate(a, `require "fileinto"; fileinto "Personal";`);
    const spam = await planFor(a, message('buy', 'X-Nimbus-Spam: Yes, score=9 required=5\r\n'));
    expect(spam?.folders.map((f) => f.name)).toEqual(['Junk']);
    const ham = await planFor(a, message('hello', 'X-Nimbus-Spam: No, score=0.5 required=5\r\n'));
    expect(ham?.folders.map((f) => f.name)).toEqual(['Personal']);
  });

  it('runs the global after script unless the user stopped', async () => {
    const a = await account();
    await store.putGlobal(a.domain, 'after', `require "imap4flags"; addflag "$After";`);
    await activate(a, `if header :contains "subject" "stop" { stop; }`);
    expect((await planFor(a, message('go on')))?.folders).toEqual([
      { name: 'INBOX', flags: ['$After'], create: false },
    ]);
    expect((await planFor(a, message('stop here')))?.folders).toEqual([
      { name: 'INBOX', flags: [], create: false },
    ]);
  });

  it('a stored script that no longer compiles: INBOX and a notice naming it', async () => {
    const a = await account();
    await db.query(
      `INSERT INTO sieve_scripts (account_id, name, content, active, size) VALUES ($1, 'old', 'if {', true, 4)`,
      [a.id],
    );
    const plan = await planFor(a, message('hi'));
    expect(plan?.folders).toEqual([{ name: 'INBOX', flags: [], create: false }]);
    expect(plan?.notice).toMatch(/"old".*line/);
  });

  it('a runtime failure (a missing include): INBOX and a notice', async () => {
    const a = await account();
    await activate(a, `require ["include", "fileinto"]; include :personal "gone"; fileinto "X";`);
    const plan = await planFor(a, message('hi'));
    expect(plan?.folders.map((f) => f.name)).toEqual(['INBOX']);
    expect(plan?.notice).toMatch(/failed/);
  });

  it('more redirects than the limit: none leave, INBOX and a notice', async () => {
    const a = await account();
    await activate(a, `redirect "a@outside.test"; redirect "b@outside.test"; redirect "c@outside.test";`);
    const plan = await planFor(a, message('hi'));
    expect(plan?.redirects).toEqual([]);
    expect(plan?.folders.map((f) => f.name)).toEqual(['INBOX']);
    expect(plan?.notice).toMatch(/redirect/);
    const two = await account();
    await activate(two, `redirect "a@outside.test"; redirect "b@outside.test";`);
    expect((await planFor(two, message('hi')))?.redirects).toEqual(['a@outside.test', 'b@outside.test']);
  });

  it('compiles an enabled JMAP VacationResponse into a vacation action', async () => {
    const a = await account();
    await db.query(
      `INSERT INTO jmap_vacation (account_id, is_enabled, subject, text_body) VALUES ($1, true, 'Away', 'Back on Monday')`,
      [a.id],
    );
    const plan = await planFor(a, message('hi'));
    expect(plan?.folders.map((f) => f.name)).toEqual(['INBOX']);
    expect(plan?.vacation).toMatchObject({
      subject: 'Away',
      reason: 'Back on Monday',
      mime: false,
      seconds: 7 * 86400,
    });
  });

  it('records duplicate ids only when told, and sees them afterwards', async () => {
    const a = await account();
    await activate(a, `require "duplicate"; if duplicate { discard; stop; }`);
    const first = await planFor(a, message('dup'));
    expect(first?.discard).toBe(false);
    expect(first?.duplicates.length).toBe(1);
    expect((await planFor(a, message('dup')))?.discard).toBe(false); // not recorded yet
    await sieve.recordDuplicates(a.id, first!.duplicates);
    expect((await planFor(a, message('dup')))?.discard).toBe(true);
  });

  it('drops a redirect back to the account itself and keeps the message', async () => {
    const a = await account();
    await activate(a, `redirect "${a.address}";`);
    const plan = await planFor(a, message('self'));
    expect(plan?.redirects).toEqual([]);
    expect(plan?.folders.map((f) => f.name)).toEqual(['INBOX']);
  });

  it("the user's own vacation wins over the JMAP one (one reply, not two)", async () => {
    const a = await account();
    await db.query(
      `INSERT INTO jmap_vacation (account_id, is_enabled, subject, text_body) VALUES ($1, true, 'JMAP', 'jmap text')`,
      [a.id],
    );
    await activate(a, `require "vacation"; vacation :subject "Mine" "my text";`);
    const plan = await planFor(a, message('hi'));
    expect(plan?.vacation).toMatchObject({ subject: 'Mine', reason: 'my text' });
    expect(plan?.notice).toBeUndefined();
  });

  it('applies the account forwarding as redirects, on top of the script redirect limit', async () => {
    const a = await account();
    const targets = ['t1@remote.test', 't2@remote.test', 't3@remote.test'];
    await directory.forwarding.set(a.address, targets, true);
    await activate(a, `require "fileinto"; fileinto "Personal";`);
    const kept = await planFor(a, message('fwd'));
    expect(kept?.redirects.sort()).toEqual(targets);
    expect(kept?.folders.map((f) => f.name)).toEqual(['Personal']);
    expect(kept?.notice).toBeUndefined();
    // Without a kept copy the forward ends the run: the user's script does not file anything.
    await directory.forwarding.set(a.address, ['t1@remote.test'], false);
    const moved = await planFor(a, message('fwd'));
    expect(moved?.redirects).toEqual(['t1@remote.test']);
    expect(moved?.folders).toEqual([]);
  });

  it('runs the global before script ahead of forwarding (an admin can keep spam from being forwarded)', async () => {
    const a = await account();
    await directory.forwarding.set(a.address, ['away@remote.test'], false);
    await store.putGlobal(
      a.domain,
      'before',
      `require ["fileinto"]; if header :contains "X-Nimbus-Spam" "Yes" { fileinto "Junk"; stop; }`,
    );
    const spam = await planFor(a, message('buy', 'X-Nimbus-Spam: Yes, score=9 required=5\r\n'));
    expect(spam?.redirects).toEqual([]);
    expect(spam?.folders.map((f) => f.name)).toEqual(['Junk']);
    expect((await planFor(a, message('hello')))?.redirects).toEqual(['away@remote.test']);
  });

  it('a forwarding loop ends with one kept copy: no redirect back to an account the copy came from', async () => {
    const hal = await account();
    const ivy = await account();
    await directory.forwarding.set(hal.address, [ivy.address], false);
    // Written behind the setter's loop check, as an import or a concurrent change could.
    await db.query(`INSERT INTO account_forwards (account_id, target, keep_copy) VALUES ($1, $2, false)`, [
      ivy.id,
      hal.address,
    ]);
    const atHal = await planFor(hal, message('loop'));
    expect(atHal?.redirects).toEqual([ivy.address]);
    const atIvy = await sieve.plan({
      account: ivy,
      recipient: ivy.address,
      mailFrom: 'zoe@outside.test',
      message: message('loop'),
      redirectedBy: [hal.address],
    });
    expect(atIvy?.redirects).toEqual([]);
    expect(atIvy?.folders.map((f) => f.name)).toEqual(['INBOX']);
  });
});
