/**
 * The IMAP role with Python's imaplib, a second real client: the base protocol commands in
 * order, as a script, asserting on the server's answers.
 */
import { addUser, python, startImapHarness, type ImapHarness } from './imap-harness';

let h: ImapHarness;

beforeAll(async () => {
  h = await startImapHarness();
  await addUser(h, 'carol@example.test', 'carol-pw');
});

afterAll(async () => {
  await h.close();
});

const SCRIPT = String.raw`
import imaplib, os, json, time
out = {}
M = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
out['capability'] = M.capabilities
out['login'] = M.login('carol@example.test', 'carol-pw')[0]
out['namespace'] = M.namespace()[1][0].decode()
msg = b'From: Dave <dave@example.org>\r\nTo: carol@example.test\r\nSubject: Python test\r\nDate: Tue, 2 Jan 2024 09:00:00 +0100\r\nMessage-ID: <py1@example.org>\r\n\r\nA body line\r\n'
typ, data = M.append('INBOX', '(\\Seen)', imaplib.Time2Internaldate(time.time()), msg)
out['append'] = [typ, data[0].decode()]
M.append('INBOX', None, None, b'Subject: Re: Python test\r\nFrom: eve@example.org\r\nIn-Reply-To: <py1@example.org>\r\nReferences: <py1@example.org>\r\nMessage-ID: <py2@example.org>\r\nDate: Wed, 3 Jan 2024 09:00:00 +0100\r\n\r\nreply body\r\n')
M.append('INBOX', None, None, b'Subject: Other\r\nFrom: zed@example.org\r\nDate: Mon, 1 Jan 2024 09:00:00 +0100\r\n\r\nsomething else entirely\r\n')
typ, data = M.select('INBOX')
out['select'] = [typ, data[0].decode()]
out['recent'] = M.response('RECENT')[1][0].decode()
typ, data = M.fetch('1', '(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] INTERNALDATE)')
out['fetch1'] = data[0][0].decode()
out['fetch1_header'] = data[0][1].decode()
typ, data = M.fetch('1:3', '(BODY.PEEK[TEXT]<0.6>)')
out['partial'] = data[0][1].decode()
typ, data = M.uid('FETCH', '1:*', '(UID FLAGS)')
out['uid_fetch'] = [d.decode() for d in data]
out['search_all'] = M.search(None, 'ALL')[1][0].decode()
out['search_text'] = M.search(None, 'TEXT', '"else entirely"')[1][0].decode()
out['search_or'] = M.search(None, 'OR', 'FROM', 'dave', 'FROM', 'zed')[1][0].decode()
out['search_not_seen'] = M.search(None, 'NOT', 'SEEN')[1][0].decode()
out['search_header'] = M.search(None, 'HEADER', 'Message-ID', '<py2@example.org>')[1][0].decode()
out['search_date'] = M.search(None, 'SENTBEFORE', '2-Jan-2024')[1][0].decode()
out['search_larger'] = M.search(None, 'LARGER', '190')[1][0].decode()
out['search_charset'] = M.search('UTF-8', 'BODY', 'body')[1][0].decode()
typ, data = M.search('X-UNKNOWN', 'BODY', 'x')
out['badcharset'] = typ + ' ' + data[0].decode()
out['uid_search'] = M.uid('SEARCH', 'UID', '2:*')[1][0].decode()
out['sort'] = M.sort('(REVERSE DATE)', 'UTF-8', 'ALL')[1][0].decode()
out['sort_subject'] = M.sort('(SUBJECT)', 'UTF-8', 'ALL')[1][0].decode()
out['thread'] = M.thread('REFERENCES', 'UTF-8', 'ALL')[1][0].decode()
out['thread_os'] = M.thread('ORDEREDSUBJECT', 'UTF-8', 'ALL')[1][0].decode()
typ, data = M.store('2', '+FLAGS', '(\\Deleted \\Flagged)')
out['store'] = data[0].decode()
typ, data = M.store('3', '+FLAGS.SILENT', '(\\Answered)')
out['store_silent'] = [typ, data]
out['copy'] = M.copy('1', 'Archive')[0]
out['expunge'] = [d.decode() for d in M.expunge()[1] if d]
out['check'] = M.check()[0]
out['create'] = M.create('Lists/python')[0]
out['create_again'] = M.create('Lists/python')[0]
out['rename'] = M.rename('Lists', 'Groups')[0]
out['subscribe'] = M.subscribe('Groups/python')[0]
out['lsub'] = [d.decode() for d in M.lsub('""', '*')[1]]
out['list_groups'] = [d.decode() for d in M.list('""', 'Groups/%')[1]]
out['status'] = M.status('Archive', '(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)')[1][0].decode()
out['unsubscribe'] = M.unsubscribe('Groups/python')[0]
out['delete'] = M.delete('Groups/python')[0]
out['delete_missing'] = M.delete('Nope')[0]
out['quota'] = M.getquotaroot('INBOX')[0]
out['examine'] = M.select('Archive', readonly=True)[0]
out['store_ro'] = M.store('1', '+FLAGS', '(\\Seen)')[0]
out['close'] = M.close()[0]
out['noop'] = M.noop()[0]
out['rename_inbox'] = M.rename('INBOX', '"Old Inbox"')[0]
out['old_inbox'] = M.status('"Old Inbox"', '(MESSAGES)')[1][0].decode()
out['inbox_after'] = M.status('INBOX', '(MESSAGES)')[1][0].decode()
out['logout'] = M.logout()[0]
print(json.dumps(out))
`;

describe('IMAP with Python imaplib', () => {
  it('runs the base protocol end to end', async () => {
    const out = JSON.parse(await python(SCRIPT, { PORT: String(h.port) }));
    expect(out.capability).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'AUTH=PLAIN']));
    expect(out.login).toBe('OK');
    expect(out.namespace).toBe('(("" "/")) (("Other Users/" "/")) NIL');
    expect(out.append[0]).toBe('OK');
    expect(out.append[1]).toMatch(/^\[APPENDUID \d+ 1\] APPEND completed$/);
    expect(out.select).toEqual(['OK', '3']);
    expect(out.recent).toBe('3');
    expect(out.fetch1).toMatch(
      /^1 \(FLAGS \(\\Seen \\Recent\) RFC822\.SIZE \d+ BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{24\}$/,
    );
    expect(out.fetch1_header).toBe('Subject: Python test\r\n\r\n');
    expect(out.partial).toBe('A body');
    expect(out.uid_fetch).toEqual([
      '1 (UID 1 FLAGS (\\Seen \\Recent))',
      '2 (UID 2 FLAGS (\\Recent))',
      '3 (UID 3 FLAGS (\\Recent))',
    ]);
    expect(out.search_all).toBe('1 2 3');
    expect(out.search_text).toBe('3');
    expect(out.search_or).toBe('1 3');
    expect(out.search_not_seen).toBe('2 3');
    expect(out.search_header).toBe('2');
    expect(out.search_date).toBe('3');
    expect(out.search_larger).toMatch(/^[\d ]*$/);
    expect(out.search_charset).toBe('1 2');
    expect(out.badcharset).toBe('NO [BADCHARSET (UTF-8 US-ASCII)] Charset not supported');
    expect(out.uid_search).toBe('2 3');
    expect(out.sort).toBe('2 1 3');
    expect(out.sort_subject).toBe('3 1 2');
    expect(out.thread).toBe('(3)(1 2)');
    expect(out.thread_os).toBe('(3)(1 2)');
    expect(out.store).toBe('2 (FLAGS (\\Deleted \\Flagged \\Recent))');
    expect(out.store_silent).toEqual(['OK', [null]]);
    expect(out.copy).toBe('OK');
    expect(out.expunge).toEqual(['2']);
    expect(out.check).toBe('OK');
    expect(out.create).toBe('OK');
    expect(out.create_again).toBe('NO');
    expect(out.rename).toBe('OK');
    expect(out.subscribe).toBe('OK');
    expect(out.lsub).toEqual(expect.arrayContaining(['() "/" "Groups/python"']));
    expect(out.list_groups).toEqual(['(\\HasNoChildren) "/" "Groups/python"']);
    expect(out.status).toMatch(/^"?Archive"? \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0 RECENT 1\)$/);
    expect(out.unsubscribe).toBe('OK');
    expect(out.delete).toBe('OK');
    expect(out.delete_missing).toBe('NO');
    expect(out.quota).toBe('OK');
    expect(out.examine).toBe('OK');
    expect(out.store_ro).toBe('NO');
    expect(out.close).toBe('OK');
    expect(out.noop).toBe('OK');
    expect(out.rename_inbox).toBe('OK');
    expect(out.old_inbox).toBe('"Old Inbox" (MESSAGES 2)');
    expect(out.inbox_after).toBe('"INBOX" (MESSAGES 0)');
    expect(out.logout).toBe('BYE');
  });
});
