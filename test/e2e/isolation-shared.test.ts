/**
 * Tenant isolation with shared mailboxes: everything that was not granted stays out of reach,
 * and nothing crosses a domain. Alice (a.test) grants Bob "lr" on Shared and "anyone" "lr" on
 * Team; Secret is granted to nobody. Mallory (a.test) has no grant of her own; Eve (b.test) is
 * another tenant. Every path is tried: IMAP commands and LIST patterns (case games, "..",
 * doubled slashes), JMAP (other accountIds, foreign ids in one's own account, moves into a
 * foreign mailbox, downloads) and the webmail render endpoint. A name that exists but may not
 * be seen must answer byte for byte like one that does not exist.
 */
import { RawImap } from './imap-harness';
import { WebHarness } from './web-harness';

let h: WebHarness;
const raws: RawImap[] = [];
const PW = 'correct horse battery';
const ALICE = 'alice@a.test';
const BOB = 'bob@a.test';
const MALLORY = 'mallory@a.test';
const EVE = 'eve@b.test';
const OU = 'Other Users/alice@a.test';

async function imap(user: string): Promise<RawImap> {
  const r = await RawImap.connect(h.node.ports.imap!);
  raws.push(r);
  expect(await r.command('L', `LOGIN ${user} "${PW}"`)).toMatch(/L OK/);
  return r;
}

/** The tagged line (tag stripped) and the untagged lines of one command. */
async function answer(r: RawImap, command: string): Promise<string> {
  const out = await r.command('X', command);
  return out.replace(/^X /m, '');
}

async function jmap(user: string, calls: unknown[]) {
  const res = await h.call('http', {
    path: '/jmap/api',
    headers: h.basic(user, PW),
    body: {
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
      methodCalls: calls,
    },
  });
  expect(res.status).toBe(200);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JMAP results are loosely typed in tests
  return res.json().methodResponses as [string, any, string][];
}

async function accountId(user: string): Promise<string> {
  const res = await h.call('http', { path: '/.well-known/jmap', headers: h.basic(user, PW) });
  return res.json().primaryAccounts['urn:ietf:params:jmap:mail'];
}

const ids: {
  alice: string;
  bob: string;
  shared: string;
  secret: string;
  email: string;
  blob: string;
  bobEmail: string;
  bobInbox: string;
} = { alice: '', bob: '', shared: '', secret: '', email: '', blob: '', bobEmail: '', bobInbox: '' };

beforeAll(async () => {
  h = await WebHarness.start();
  for (const user of [ALICE, BOB, MALLORY, EVE]) await h.addUser(user, PW);
  const a = await imap(ALICE);
  for (const box of ['Shared', 'Team', 'Secret', 'Secret/Deeper']) await a.command('C', `CREATE ${box}`);
  for (const box of ['Shared', 'Secret', 'INBOX', 'Team']) {
    const text = `Subject: in ${box}\r\nFrom: x@a.test\r\n\r\nconfidential ${box}\r\n`;
    await a.command('A', `APPEND ${box} {${text.length}+}\r\n${text}`);
  }
  expect(await a.command('G1', `SETACL Shared ${BOB} lr`)).toMatch(/G1 OK/);
  expect(await a.command('G2', 'SETACL Team anyone lr')).toMatch(/G2 OK/);
  expect(await a.command('G3', `SETACL Shared ${EVE} lr`)).toMatch(/G3 NO \[CANNOT\]/);
  const e = await imap(EVE);
  await e.command('C', 'CREATE Open');
  await e.command('A', 'APPEND INBOX {12+}\r\nSubject: e\r\n\r\n');
  expect(await e.command('G4', 'SETACL Open anyone lrswipkxtea')).toMatch(/G4 OK/);
  expect(await e.command('G5', `SETACL Open ${BOB} lr`)).toMatch(/G5 NO \[CANNOT\]/);
  const b = await imap(BOB);
  const text = 'Subject: bob\r\n\r\nmine\r\n';
  await b.command('A', `APPEND INBOX {${text.length}+}\r\n${text}`);
  for (const r of raws.splice(0)) await r.close();

  ids.alice = await accountId(ALICE);
  ids.bob = await accountId(BOB);
  const [[, boxes]] = await jmap(ALICE, [
    ['Mailbox/get', { accountId: ids.alice, properties: ['name'] }, '0'],
  ]);
  const byName = new Map<string, string>(boxes.list.map((m: { id: string; name: string }) => [m.name, m.id]));
  ids.shared = byName.get('Shared')!;
  ids.secret = byName.get('Secret')!;
  const [, [, got]] = await jmap(ALICE, [
    ['Email/query', { accountId: ids.alice, filter: { inMailbox: ids.secret } }, 'q'],
    [
      'Email/get',
      {
        accountId: ids.alice,
        '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
        properties: ['blobId'],
      },
      'g',
    ],
  ]);
  ids.email = got.list[0].id;
  ids.blob = got.list[0].blobId;
  const [[, bobBoxes], [, bobMail]] = await jmap(BOB, [
    ['Mailbox/get', { accountId: ids.bob, properties: ['name'] }, '0'],
    ['Email/query', { accountId: ids.bob }, '1'],
  ]);
  ids.bobInbox = bobBoxes.list.find((m: { name: string }) => m.name === 'Inbox' || m.name === 'INBOX').id;
  ids.bobEmail = bobMail.ids[0];
}, 120_000);

afterEach(async () => {
  for (const r of raws.splice(0)) await r.close();
});

afterAll(async () => h?.node && (await h.stop()));

describe('IMAP', () => {
  it('LIST shows the grantee only what was granted, whatever the pattern', async () => {
    const b = await imap(BOB);
    for (const [ref, pattern] of [
      ['""', '"*"'],
      ['""', '"Other Users/*"'],
      ['""', '"%/%"'],
      ['""', '"%/%/%"'],
      ['"Other Users/"', '"*"'],
      ['""', '"Other Users/alice@a.test/*"'],
      ['""', '"*Secret*"'],
      ['""', '"Other Users/*/Secret"'],
      ['""', '"other users/*"'],
    ]) {
      const out = await b.command('l', `LIST ${ref} ${pattern} RETURN (MYRIGHTS STATUS (MESSAGES))`);
      expect(out).toMatch(/l OK/);
      expect(out).not.toMatch(/Secret|Deeper|alice@a.test\/INBOX|eve@b.test|Open/);
    }
    const all = await b.command('l2', 'LIST "" "Other Users/*"');
    expect(all).toMatch(/"Other Users\/alice@a.test\/Shared"/);
    expect(all).toMatch(/"Other Users\/alice@a.test\/Team"/);
  });

  it('another tenant sees no Other Users at all, not even mailboxes granted to "anyone"', async () => {
    const e = await imap(EVE);
    expect(await e.command('l1', 'LIST "" "*"')).not.toMatch(/Other Users|alice/);
    const m = await imap(MALLORY);
    const list = await m.command('l2', 'LIST "" "*"');
    expect(list).toMatch(/"Other Users\/alice@a.test\/Team"/);
    expect(list).not.toMatch(/Shared|Secret|eve@b.test|Open/);
    // Eve's "anyone" grant does not reach a.test either.
    expect(await m.command('l3', 'SELECT "Other Users/eve@b.test/Open"')).toMatch(/l3 NO \[NONEXISTENT\]/);
  });

  it('every command answers an ungranted mailbox exactly like a missing one', async () => {
    const b = await imap(BOB);
    const e = await imap(EVE);
    await b.command('s', 'SELECT INBOX');
    await e.command('s', 'SELECT INBOX');
    const commands = (box: string) => [
      `SELECT "${box}"`,
      `EXAMINE "${box}"`,
      `STATUS "${box}" (MESSAGES UIDNEXT)`,
      `APPEND "${box}" {3+}\r\nx\r\n`,
      `COPY 1 "${box}"`,
      `MOVE 1 "${box}"`,
      `GETACL "${box}"`,
      `SETACL "${box}" ${BOB} lrswipkxtea`,
      `DELETEACL "${box}" ${BOB}`,
      `LISTRIGHTS "${box}" anyone`,
      `MYRIGHTS "${box}"`,
      `DELETE "${box}"`,
      `RENAME "${box}" Stolen`,
      `CREATE "${box}/Child"`,
    ];
    const hidden = [`${OU}/Secret`, `${OU}/Secret/Deeper`, `${OU}/INBOX`];
    const missing = `${OU}/NoSuchMailbox`;
    for (const [who, names] of [
      [b, hidden],
      [e, [...hidden, `${OU}/Shared`, `${OU}/Team`]],
    ] as const) {
      for (const name of names) {
        const expected = commands(missing);
        const tried = commands(name);
        for (let i = 0; i < tried.length; i++) {
          await who.command('s', 'SELECT INBOX'); // the same state before each try
          const got = await answer(who, tried[i]);
          await who.command('s', 'SELECT INBOX');
          expect(got.replace(name, missing)).toBe(await answer(who, expected[i]));
          expect(got).toMatch(/^NO /m);
        }
      }
    }
  });

  it('names that only look like a granted one reach nothing (case, "..", doubled slashes)', async () => {
    const b = await imap(BOB);
    for (const name of [
      'Other Users/ALICE@a.test/Shared',
      'Other Users/alice@A.TEST/Shared',
      'other users/alice@a.test/Shared',
      'OTHER USERS/alice@a.test/Shared',
      'Other Users/alice@a.test/shared',
      'Other Users/alice@a.test//Shared',
      'Other Users//alice@a.test/Shared',
      'Other Users/alice@a.test/Shared/../Secret',
      'Other Users/bob@a.test/../alice@a.test/Secret',
      'Other Users/alice@a.test/./Secret',
      'Other Users/ alice@a.test/Secret',
      'Other Users/alice@a.test /Secret',
      'Other Users/"alice"@a.test/Secret',
      'Other Users/alice@a.test',
      'Other Users',
    ]) {
      const literal = `{${Buffer.byteLength(name)}+}\r\n${name}`;
      expect(await answer(b, `SELECT ${literal}`)).toMatch(/^NO \[NONEXISTENT\] Mailbox does not exist\r\n$/);
      expect(await answer(b, `STATUS ${literal} (MESSAGES)`)).toMatch(/^NO \[NONEXISTENT\]/);
    }
    // The granted one itself works, read-only.
    expect(await answer(b, `EXAMINE "${OU}/Shared"`)).toMatch(/OK \[READ-ONLY\]/);
  });

  it('nobody can make their own mailboxes inside the shared namespace', async () => {
    const b = await imap(BOB);
    expect(await answer(b, 'CREATE "Other Users"')).toMatch(/^NO \[NOPERM\]/m);
    expect(await answer(b, 'CREATE "Other Users/bob@a.test/Mine"')).toMatch(/^NO \[NOPERM\]/m);
    expect(await answer(b, 'CREATE "Other Users/nobody@a.test/X"')).toMatch(/^NO \[NOPERM\]/m);
    await b.command('c', 'CREATE Mine');
    expect(await answer(b, 'RENAME Mine "Other Users/Mine"')).toMatch(/^NO \[NOPERM\]/m);
    expect(await answer(b, `RENAME Mine "${OU}/Mine"`)).toMatch(/^NO \[NOPERM\]/m);
    expect(await b.command('l', 'LIST "" "*"')).not.toMatch(/Other Users\/Mine|Other Users\/bob/);
  });

  it('a grant lets the grantee read, never write, and ends with DELETEACL', async () => {
    const b = await imap(BOB);
    expect(await answer(b, `SELECT "${OU}/Shared"`)).toMatch(/OK \[READ-ONLY\]/);
    expect(await answer(b, 'STORE 1 +FLAGS (\\Deleted)')).toMatch(/^NO /m);
    expect(await answer(b, 'EXPUNGE')).toMatch(/^NO /m);
    expect(await answer(b, `APPEND "${OU}/Shared" {3+}\r\nx\r\n`)).toMatch(/^NO \[NOPERM\]/m);
    expect(await answer(b, `SETACL "${OU}/Shared" ${BOB} lrswipkxtea`)).toMatch(/^NO \[NOPERM\]/m);
    const a = await imap(ALICE);
    await a.command('d', `DELETEACL Shared ${BOB}`);
    expect(await answer(b, `STATUS "${OU}/Shared" (MESSAGES)`)).toMatch(/^NO \[NONEXISTENT\]/);
    expect(await b.command('l', 'LIST "" "*"')).not.toMatch(/Shared/);
    await a.command('g', `SETACL Shared ${BOB} lr`);
  });
});

describe('JMAP', () => {
  it('offers no other account and refuses other accountIds', async () => {
    const res = await h.call('http', { path: '/.well-known/jmap', headers: h.basic(BOB, PW) });
    expect(Object.keys(res.json().accounts)).toEqual([ids.bob]);
    for (const [method, args] of [
      ['Mailbox/get', { accountId: ids.alice }],
      ['Mailbox/query', { accountId: ids.alice }],
      ['Email/query', { accountId: ids.alice }],
      ['Email/get', { accountId: ids.alice, ids: [ids.email] }],
      ['Email/set', { accountId: ids.alice, destroy: [ids.email] }],
      ['Mailbox/set', { accountId: ids.alice, destroy: [ids.secret] }],
      ['Email/changes', { accountId: ids.alice, sinceState: '0' }],
      ['Thread/get', { accountId: ids.alice, ids: ['x'] }],
    ] as const) {
      const [[name, result]] = await jmap(BOB, [[method, args, '0']]);
      expect([name, result.type]).toEqual(['error', 'accountNotFound']);
    }
  });

  it("finds nothing of Alice's by her ids inside Bob's account", async () => {
    const [[, boxes], [, mail], [, query]] = await jmap(BOB, [
      ['Mailbox/get', { accountId: ids.bob, ids: [ids.shared, ids.secret] }, '0'],
      ['Email/get', { accountId: ids.bob, ids: [ids.email], properties: ['subject'] }, '1'],
      ['Email/query', { accountId: ids.bob, filter: { inMailbox: ids.secret } }, '2'],
    ]);
    expect(boxes.list).toEqual([]);
    expect(boxes.notFound.sort()).toEqual([ids.shared, ids.secret].sort());
    expect(mail.list).toEqual([]);
    expect(mail.notFound).toEqual([ids.email]);
    expect(query.ids ?? []).toEqual([]);
  });

  it("cannot move or copy into Alice's mailbox, nor destroy her email", async () => {
    const [[, set]] = await jmap(BOB, [
      [
        'Email/set',
        {
          accountId: ids.bob,
          update: { [ids.bobEmail]: { mailboxIds: { [ids.shared]: true } } },
          destroy: [ids.email],
        },
        '0',
      ],
    ]);
    expect(set.updated ?? {}).toEqual({});
    expect(Object.keys(set.notUpdated ?? {})).toEqual([ids.bobEmail]);
    expect(set.destroyed ?? []).toEqual([]);
    expect(Object.keys(set.notDestroyed ?? {})).toEqual([ids.email]);
    const [[, copy]] = await jmap(BOB, [
      [
        'Email/copy',
        {
          fromAccountId: ids.alice,
          accountId: ids.bob,
          create: { c: { id: ids.email, mailboxIds: { [ids.bobInbox]: true } } },
        },
        '0',
      ],
    ]);
    expect(copy.created ?? {}).toEqual({});
    expect(JSON.stringify(copy)).not.toMatch(/"created":\{"c"/);
    const [[, child], [, imported]] = await jmap(BOB, [
      ['Mailbox/set', { accountId: ids.bob, create: { m: { name: 'Inside', parentId: ids.secret } } }, '0'],
      [
        'Email/import',
        { accountId: ids.bob, emails: { e: { blobId: ids.blob, mailboxIds: { [ids.secret]: true } } } },
        '1',
      ],
    ]);
    expect(child.created ?? {}).toEqual({});
    expect(Object.keys(child.notCreated ?? {})).toEqual(['m']);
    expect(imported.created ?? {}).toEqual({});
    // Alice's message is still where it was.
    const a = await imap(ALICE);
    expect(await a.command('s', 'STATUS Secret (MESSAGES)')).toMatch(/MESSAGES 1\)/);
  });

  it("takes no uploads into Alice's account", async () => {
    const res = await h.call('http', {
      path: `/jmap/upload/${ids.alice}`,
      headers: { ...h.basic(BOB, PW), 'content-type': 'message/rfc822' },
      body: Buffer.from('Subject: planted\r\n\r\nx\r\n'),
    });
    expect([403, 404]).toContain(res.status);
  });

  it("does not serve Alice's blobs to Bob, under either account", async () => {
    for (const account of [ids.alice, ids.bob]) {
      const res = await h.call('http', {
        path: `/jmap/download/${account}/${ids.blob}/x.eml`,
        headers: h.basic(BOB, PW),
      });
      expect([403, 404]).toContain(res.status);
      expect(res.text).not.toMatch(/confidential/);
    }
  });
});

describe('webmail', () => {
  it("renders none of Alice's messages for Bob", async () => {
    const login = await h.call('http', { path: '/webmail/api/login', body: { username: BOB, password: PW } });
    expect(login.status).toBe(200);
    const cookie = login.cookies.map((c) => c.split(';')[0]).join('; ');
    const res = await h.call('http', { path: `/webmail/api/render/${ids.email}`, headers: { cookie } });
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/confidential/);
    const own = await h.call('http', { path: `/webmail/api/render/${ids.bobEmail}`, headers: { cookie } });
    expect(own.status).toBe(200);
  });
});

describe('admin API', () => {
  it('lists grants by domain and removes one (GET/DELETE /api/admin/grants)', async () => {
    await h.node.admin({ op: 'admin.add', name: 'grants-root', password: 'grants admin password 1' });
    const login = await h.call('http', {
      path: '/api/admin/login',
      body: { name: 'grants-root', password: 'grants admin password 1' },
    });
    const auth = { authorization: `Bearer ${login.json().token}` };
    const list = await h.call('http', { path: '/api/admin/grants?domain=a.test', headers: auth });
    expect(list.status).toBe(200);
    const grants = list.json() as { id: number; mailbox: string; identifier: string; rights: string }[];
    const shared = grants.find((g) => g.mailbox === 'Shared' && g.identifier === BOB)!;
    expect(shared.rights).toBe('lr');
    expect(grants.some((g) => g.mailbox === 'Team' && g.identifier === 'anyone')).toBe(true);
    const other = await h.call('http', { path: '/api/admin/grants?domain=b.test', headers: auth });
    expect((other.json() as { mailbox: string }[]).map((g) => g.mailbox)).toEqual(['Open']);
    expect((await h.call('http', { path: '/api/admin/grants' })).status).toBe(401);
    const removed = await h.call('http', {
      method: 'DELETE',
      path: `/api/admin/grants/${shared.id}`,
      headers: auth,
    });
    expect(removed.status).toBe(200);
    const b = await imap(BOB);
    expect(await answer(b, `EXAMINE "${OU}/Shared"`)).toMatch(/^NO \[NONEXISTENT\]/);
    expect(
      (await h.call('http', { method: 'DELETE', path: `/api/admin/grants/${shared.id}`, headers: auth }))
        .status,
    ).toBe(404);
  });
});
