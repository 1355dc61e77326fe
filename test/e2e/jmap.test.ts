/**
 * JMAP (RFC 8620/8621) method-level tests, each run three ways: over HTTP against a running node,
 * and as API Gateway and ALB Lambda events through the middy wrapper — the same assertions.
 * Includes /changes after IMAP activity and IMAP CONDSTORE after JMAP activity.
 */
import { ImapFlow } from 'imapflow';
import { eventually } from '../helpers/in-process-node';
import { MODES, USING, WebHarness, type Mode } from './web-harness';

let h: WebHarness;
beforeAll(async () => {
  h = await WebHarness.start();
}, 120_000);
afterAll(async () => h?.stop());

describe.each(MODES)('JMAP via %s', (mode: Mode) => {
  const alice = `alice-${mode}@a.test`;
  const bob = `bob-${mode}@a.test`;
  const pw = 'correct horse battery';
  let accountId = '';
  let bobAccount = '';
  const api = async (user: string, calls: unknown[], using = USING) => {
    const res = await h.call(mode, {
      path: '/jmap/api',
      headers: h.basic(user, pw),
      body: { using, methodCalls: calls },
    });
    expect(res.status).toBe(200);
    return res.json().methodResponses as [string, any, string][]; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const one = async (user: string, name: string, args: object) => {
    const [[n, result]] = await api(user, [[name, args, '0']]);
    if (n === 'error') throw new Error(`${name}: ${JSON.stringify(result)}`);
    return result;
  };

  beforeAll(async () => {
    await h.addUser(alice, pw);
    await h.addUser(bob, pw);
  });

  it('serves the session resource and refuses bad credentials', async () => {
    expect((await h.call(mode, { path: '/.well-known/jmap' })).status).toBe(401);
    expect((await h.call(mode, { path: '/.well-known/jmap', headers: h.basic(alice, 'wrong') })).status).toBe(
      401,
    );
    const res = await h.call(mode, { path: '/.well-known/jmap', headers: h.basic(alice, pw) });
    expect(res.status).toBe(200);
    const session = res.json();
    accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
    expect(session.username).toBe(alice);
    expect(session.apiUrl).toMatch(/\/jmap\/api$/);
    expect(session.capabilities['urn:ietf:params:jmap:core'].maxCallsInRequest).toBeGreaterThan(0);
    expect(Boolean(session.eventSourceUrl)).toBe(mode === 'http');
    const b = await h.call(mode, { path: '/.well-known/jmap', headers: h.basic(bob, pw) });
    bobAccount = b.json().primaryAccounts['urn:ietf:params:jmap:mail'];
  });

  it('answers request-level errors with problem details', async () => {
    const bad = await h.call(mode, {
      path: '/jmap/api',
      headers: h.basic(alice, pw),
      body: { using: ['urn:x'], methodCalls: [] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json().type).toBe('urn:ietf:params:jmap:error:unknownCapability');
    const notJson = await h.call(mode, {
      path: '/jmap/api',
      headers: { ...h.basic(alice, pw), 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.json().type).toBe('urn:ietf:params:jmap:error:notJSON');
    const responses = await api(alice, [
      ['Nope/get', { accountId }, 'x'],
      ['Mailbox/get', { accountId: bobAccount }, 'y'],
    ]);
    expect(responses[0]).toEqual(['error', expect.objectContaining({ type: 'unknownMethod' }), 'x']);
    expect(responses[1]).toEqual(['error', expect.objectContaining({ type: 'accountNotFound' }), 'y']);
  });

  it('Mailbox/get, /set, /changes, /query', async () => {
    const got = await one(alice, 'Mailbox/get', { accountId, ids: null });
    const inbox = got.list.find((m: { role: string }) => m.role === 'inbox');
    expect(inbox).toMatchObject({ name: 'Inbox', totalEmails: 0, parentId: null });
    const set = await one(alice, 'Mailbox/set', { accountId, create: { p: { name: 'Projects' } } });
    const projects = set.created.p.id;
    const child = await one(alice, 'Mailbox/set', {
      accountId,
      create: { c: { name: 'Nimbus', parentId: projects } },
    });
    const changes = await one(alice, 'Mailbox/changes', { accountId, sinceState: got.state });
    expect(changes.created).toEqual(expect.arrayContaining([projects, child.created.c.id]));
    const renamed = await one(alice, 'Mailbox/set', { accountId, update: { [projects]: { name: 'Work' } } });
    expect(renamed.updated).toHaveProperty(projects);
    const after = await one(alice, 'Mailbox/changes', { accountId, sinceState: changes.newState });
    expect(after.updated).toContain(projects);
    const q = await one(alice, 'Mailbox/query', { accountId, filter: { parentId: projects } });
    expect(q.ids).toEqual([child.created.c.id]);
    const blocked = await one(alice, 'Mailbox/set', { accountId, destroy: [projects] });
    expect(blocked.notDestroyed[projects].type).toBe('mailboxHasChild');
    const gone = await one(alice, 'Mailbox/set', { accountId, destroy: [child.created.c.id] });
    expect(gone.destroyed).toEqual([child.created.c.id]);
  });

  it('Email/query, /get, Thread/get, SearchSnippet/get on mail delivered over SMTP (with back-references)', async () => {
    await h.sendSmtp(bob, alice, `Hello ${mode}`, {
      html: '<p>Hi <b>there</b></p>',
      text: 'Hi there, zebra',
      messageId: `<first-${mode}@a.test>`,
    });
    await h.sendSmtp(bob, alice, `Re: Hello ${mode}`, {
      inReplyTo: `<first-${mode}@a.test>`,
      references: `<first-${mode}@a.test>`,
    });
    const mailboxes = (await one(alice, 'Mailbox/get', { accountId })).list;
    const inbox = mailboxes.find((m: { role: string }) => m.role === 'inbox').id;
    await eventually(
      async () =>
        (await one(alice, 'Email/query', { accountId, filter: { inMailbox: inbox } })).ids.length === 2,
    );
    const [q, g] = await api(alice, [
      [
        'Email/query',
        {
          accountId,
          filter: { inMailbox: inbox },
          sort: [{ property: 'receivedAt', isAscending: true }],
          calculateTotal: true,
        },
        'q',
      ],
      [
        'Email/get',
        {
          accountId,
          '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
          properties: [
            'subject',
            'from',
            'threadId',
            'keywords',
            'preview',
            'mailboxIds',
            'htmlBody',
            'bodyValues',
            'messageId',
            'inReplyTo',
          ],
          fetchHTMLBodyValues: true,
        },
        'g',
      ],
    ]);
    expect(q[1].total).toBe(2);
    const [first, reply] = g[1].list;
    expect(first.subject).toBe(`Hello ${mode}`);
    expect(first.from).toEqual([{ name: null, email: bob }]);
    expect(first.keywords).toEqual({});
    expect(first.mailboxIds).toEqual({ [inbox]: true });
    expect(first.bodyValues[first.htmlBody[0].partId].value).toContain('<b>there</b>');
    expect(reply.inReplyTo).toEqual([`first-${mode}@a.test`]);
    expect(reply.threadId).toBe(first.threadId);
    const thread = await one(alice, 'Thread/get', { accountId, ids: [first.threadId] });
    expect(thread.list[0].emailIds).toEqual([first.id, reply.id]);
    const search = await one(alice, 'Email/query', { accountId, filter: { text: 'zebra' } });
    expect(search.ids).toEqual([first.id]);
    const snippet = await one(alice, 'SearchSnippet/get', {
      accountId,
      emailIds: [first.id],
      filter: { text: 'zebra' },
    });
    expect(snippet.list[0].preview).toContain('<mark>zebra</mark>');
    const collapsed = await one(alice, 'Email/query', {
      accountId,
      filter: { inMailbox: inbox },
      collapseThreads: true,
    });
    expect(collapsed.ids).toHaveLength(1);
    const bobsView = await one(bob, 'Email/get', { accountId: bobAccount, ids: [first.id] });
    expect(bobsView.notFound).toEqual([first.id]);
  });

  it('Email/changes sees IMAP activity, and IMAP sees JMAP activity (MODSEQ)', async () => {
    const { ids } = await one(alice, 'Email/query', { accountId, filter: { text: 'zebra' } });
    const before = await one(alice, 'Email/get', { accountId, ids, properties: ['id'] });
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: h.node.ports.imap!,
      secure: false,
      tls: { rejectUnauthorized: false },
      auth: { user: alice, pass: pw },
      logger: false,
    });
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        await imap.messageFlagsAdd({ subject: 'zebra' }, ['\\Flagged']);
        await imap.messageFlagsAdd('1:*', ['\\Flagged'], { uid: false });
      } finally {
        lock.release();
      }
      const changes = await one(alice, 'Email/changes', { accountId, sinceState: before.state });
      expect(changes.updated).toEqual(expect.arrayContaining(ids));
      const flagged = await one(alice, 'Email/get', { accountId, ids, properties: ['keywords'] });
      expect(flagged.list[0].keywords).toEqual({ $flagged: true });
      // JMAP → IMAP: mark read, then IMAP's CONDSTORE FETCH CHANGEDSINCE reports it.
      const status = await imap.status('INBOX', { highestModseq: true });
      await one(alice, 'Email/set', { accountId, update: { [ids[0]]: { 'keywords/$seen': true } } });
      const lock2 = await imap.getMailboxLock('INBOX');
      try {
        const byUid = new Map<number, { flags?: Set<string> }>();
        for await (const m of imap.fetch(
          '1:*',
          { flags: true, uid: true },
          { changedSince: (status as { highestModseq?: bigint }).highestModseq },
        ))
          byUid.set(m.uid, m);
        const changed = [...byUid.values()];
        expect(changed).toHaveLength(1);
        expect([...changed[0].flags!]).toEqual(expect.arrayContaining(['\\Seen', '\\Flagged']));
      } finally {
        lock2.release();
      }
      // JMAP move keeps the id; IMAP sees the message in Archive.
      const mailboxes = (await one(alice, 'Mailbox/get', { accountId })).list;
      const archive = mailboxes.find((m: { role: string }) => m.role === 'archive').id;
      const moved = await one(alice, 'Email/set', {
        accountId,
        update: { [ids[0]]: { mailboxIds: { [archive]: true } } },
      });
      expect(moved.updated).toHaveProperty(ids[0]);
      const arch = await imap.status('Archive', { messages: true });
      expect((arch as { messages?: number }).messages).toBe(1);
      // IMAP expunge → Email/changes destroyed.
      const state = (await one(alice, 'Email/get', { accountId, ids: [] })).state;
      const lock3 = await imap.getMailboxLock('Archive');
      try {
        await imap.messageDelete('1:*');
      } finally {
        lock3.release();
      }
      const afterDelete = await one(alice, 'Email/changes', { accountId, sinceState: state });
      expect(afterDelete.destroyed).toEqual(ids);
      const threadChanges = await one(alice, 'Thread/changes', { accountId, sinceState: state });
      expect(threadChanges.updated.length + threadChanges.destroyed.length).toBeGreaterThan(0);
    } finally {
      await imap.logout();
    }
  });

  it('blobs: upload, Email/set create with attachment, download, Email/import, Email/parse, Email/queryChanges', async () => {
    const mailboxes = (await one(alice, 'Mailbox/get', { accountId })).list;
    const drafts = mailboxes.find((m: { role: string }) => m.role === 'drafts').id;
    const q0 = await one(alice, 'Email/query', { accountId, filter: { inMailbox: drafts } });
    const up = await h.call(mode, {
      path: `/jmap/upload/${accountId}`,
      headers: { ...h.basic(alice, pw), 'content-type': 'application/pdf' },
      body: Buffer.from('%PDF-1.4 fake'),
    });
    expect(up.status).toBe(201);
    const blobId = up.json().blobId;
    expect(
      (
        await h.call(mode, {
          path: `/jmap/upload/${bobAccount}`,
          headers: h.basic(alice, pw),
          body: Buffer.from('x'),
        })
      ).status,
    ).toBe(404);
    const created = await one(alice, 'Email/set', {
      accountId,
      create: {
        d: {
          mailboxIds: { [drafts]: true },
          keywords: { $draft: true },
          from: [{ email: alice }],
          to: [{ name: 'Bob', email: bob }],
          subject: 'Draft with a file',
          bodyValues: { b: { value: 'see attached' } },
          textBody: [{ partId: 'b', type: 'text/plain' }],
          attachments: [{ blobId, type: 'application/pdf', name: 'report.pdf' }],
        },
      },
    });
    const draft = created.created.d;
    expect(draft.id).toMatch(/^e/);
    const got = await one(alice, 'Email/get', {
      accountId,
      ids: [draft.id],
      properties: ['attachments', 'keywords', 'hasAttachment'],
    });
    expect(got.list[0].keywords).toEqual({ $draft: true });
    expect(got.list[0].hasAttachment).toBe(true);
    const att = got.list[0].attachments[0];
    expect(att).toMatchObject({ name: 'report.pdf', type: 'application/pdf' });
    const dl = await h.call(mode, {
      path: `/jmap/download/${accountId}/${att.blobId}/report.pdf?accept=application/pdf`,
      headers: h.basic(alice, pw),
    });
    expect(dl.status).toBe(200);
    expect(dl.body.toString()).toBe('%PDF-1.4 fake');
    expect(dl.headers['content-disposition']).toContain('attachment');
    expect(
      (
        await h.call(mode, {
          path: `/jmap/download/${bobAccount}/${att.blobId}/x`,
          headers: h.basic(bob, pw),
        })
      ).status,
    ).toBe(404);
    const qc = await one(alice, 'Email/queryChanges', {
      accountId,
      filter: { inMailbox: drafts },
      sinceQueryState: q0.queryState,
    });
    expect(qc.added).toEqual([{ id: draft.id, index: 0 }]);
    // The whole message as a blob: import it again, and parse it.
    const imported = await one(alice, 'Email/import', {
      accountId,
      emails: { i: { blobId: draft.blobId, mailboxIds: { [drafts]: true }, keywords: { $seen: true } } },
    });
    expect(imported.created.i.id).not.toBe(draft.id);
    const parsed = await one(alice, 'Email/parse', {
      accountId,
      blobIds: [draft.blobId],
      properties: ['subject', 'to'],
    });
    expect(parsed.parsed[draft.blobId]).toEqual({
      subject: 'Draft with a file',
      to: [{ name: 'Bob', email: bob }],
    });
    const destroyed = await one(alice, 'Email/set', { accountId, destroy: [imported.created.i.id] });
    expect(destroyed.destroyed).toEqual([imported.created.i.id]);
  });

  it('Identity/get|set and EmailSubmission/set through the spool, VacationResponse/get|set, Forwarding/get|set', async () => {
    const identities = await one(alice, 'Identity/get', { accountId });
    expect(identities.list).toEqual([expect.objectContaining({ email: alice })]);
    const forbidden = await one(alice, 'Identity/set', {
      accountId,
      create: { x: { email: bob, name: 'Not me' } },
    });
    expect(forbidden.notCreated.x.type).toBe('forbiddenFrom');
    const sig = await one(alice, 'Identity/set', {
      accountId,
      update: { [identities.list[0].id]: { textSignature: 'Alice' } },
    });
    expect(sig.updated).toHaveProperty(identities.list[0].id);
    const mailboxes = (await one(alice, 'Mailbox/get', { accountId })).list;
    const drafts = mailboxes.find((m: { role: string }) => m.role === 'drafts').id;
    const sent = mailboxes.find((m: { role: string }) => m.role === 'sent').id;
    const responses = await api(alice, [
      [
        'Email/set',
        {
          accountId,
          create: {
            m: {
              mailboxIds: { [drafts]: true },
              keywords: { $draft: true },
              from: [{ email: alice }],
              to: [{ email: bob }],
              subject: `Submitted ${mode}`,
              bodyValues: { b: { value: 'via JMAP' } },
              textBody: [{ partId: 'b', type: 'text/plain' }],
            },
          },
        },
        'a',
      ],
      [
        'EmailSubmission/set',
        {
          accountId,
          create: { s: { identityId: identities.list[0].id, emailId: '#m' } },
          onSuccessUpdateEmail: {
            '#s': { [`mailboxIds/${drafts}`]: null, [`mailboxIds/${sent}`]: true, 'keywords/$draft': null },
          },
        },
        'b',
      ],
    ]);
    expect(responses.map((r) => r[0])).toEqual(['Email/set', 'EmailSubmission/set', 'Email/set']);
    expect(responses[1][1].created.s.undoStatus).toBe('final');
    const emailId = responses[0][1].created.m.id;
    const moved = await one(alice, 'Email/get', {
      accountId,
      ids: [emailId],
      properties: ['mailboxIds', 'keywords'],
    });
    expect(moved.list[0]).toMatchObject({ mailboxIds: { [sent]: true }, keywords: {} });
    const subs = await one(alice, 'EmailSubmission/get', { accountId, ids: null });
    expect(subs.list.some((s: { emailId: string }) => s.emailId === emailId)).toBe(true);
    // Only the account's identities may send, with From = the identity.
    const spoof = await api(alice, [
      [
        'Email/set',
        {
          accountId,
          create: {
            m: {
              mailboxIds: { [drafts]: true },
              from: [{ email: bob }],
              to: [{ email: bob }],
              subject: 'spoof',
              bodyValues: { b: { value: 'x' } },
              textBody: [{ partId: 'b', type: 'text/plain' }],
            },
          },
        },
        'a',
      ],
      [
        'EmailSubmission/set',
        { accountId, create: { s: { identityId: identities.list[0].id, emailId: '#m' } } },
        'b',
      ],
    ]);
    expect(spoof[1][1].notCreated.s.type).toBe('forbiddenFrom');
    await eventually(
      async () =>
        (await one(bob, 'Email/query', { accountId: bobAccount, filter: { subject: `Submitted ${mode}` } }))
          .ids.length === 1,
    );
    const vac = await one(alice, 'VacationResponse/set', {
      accountId,
      update: { singleton: { isEnabled: true, subject: 'Away', textBody: 'Back soon' } },
    });
    expect(vac.updated).toHaveProperty('singleton');
    const got = await one(alice, 'VacationResponse/get', { accountId });
    expect(got.list[0]).toMatchObject({
      id: 'singleton',
      isEnabled: true,
      subject: 'Away',
      textBody: 'Back soon',
    });
    const forward = await one(alice, 'Forwarding/set', {
      accountId,
      update: { singleton: { targets: [bob], keepCopy: false } },
    });
    expect(forward.updated).toHaveProperty('singleton');
    expect((await one(alice, 'Forwarding/get', { accountId })).list[0]).toEqual({
      id: 'singleton',
      targets: [bob],
      keepCopy: false,
    });
    const refused = await one(alice, 'Forwarding/set', {
      accountId,
      update: { singleton: { targets: [alice] } },
    });
    expect(refused.notUpdated.singleton.type).toBe('invalidProperties');
    await one(alice, 'Forwarding/set', { accountId, update: { singleton: { targets: [] } } });
    // ifInState (RFC 8620 §5.3): a stale state refuses the whole call.
    const [[kind, stale]] = await api(alice, [
      ['Mailbox/set', { accountId, ifInState: 'stale', create: { x: { name: 'Never' } } }, '0'],
    ]);
    expect([kind, stale.type]).toEqual(['error', 'stateMismatch']);
  });

  it('bearer tokens work and push is served only by the node', async () => {
    const t = await h.call(mode, { path: '/jmap/auth/token', method: 'POST', headers: h.basic(alice, pw) });
    expect(t.status).toBe(201);
    const token = t.json().accessToken;
    const s = await h.call(mode, {
      path: '/.well-known/jmap',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(s.json().username).toBe(alice);
    expect(
      (await h.call(mode, { path: '/.well-known/jmap', headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    if (mode !== 'http') {
      expect(
        (await h.call(mode, { path: '/jmap/eventsource?types=*', headers: h.basic(alice, pw) })).status,
      ).toBe(501);
      return;
    }
    const controller = new AbortController();
    const res = await fetch(`${h.base}/jmap/eventsource?types=*&closeafter=state&ping=0`, {
      headers: h.basic(alice, pw),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        if (text.includes('StateChange')) break;
      }
    })();
    await eventually(async () => text.includes('connected'));
    await h.sendSmtp(bob, alice, 'push me');
    await read;
    controller.abort();
    expect(text).toContain(`"${accountId}":{"Mailbox"`);
  });
});
