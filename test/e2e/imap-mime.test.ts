/**
 * BODYSTRUCTURE and ENVELOPE over IMAP against the nasty-MIME corpus (test/fixtures/mime):
 * the RFC 3501 example message checked byte for byte, and for every message in the corpus a
 * real client (imapflow) must parse the structure, and every part's size and line count must
 * agree with the bytes BODY[part] returns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ImapFlow, MessageStructureObject } from 'imapflow';
import { addUser, client, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

const DIR = path.resolve(__dirname, '../fixtures/mime');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.eml'))
  .sort();

let h: ImapHarness;
let c: ImapFlow;

beforeAll(async () => {
  h = await startImapHarness();
  await addUser(h, 'mime@example.test', 'mime-pw');
  c = client(h, 'mime@example.test', 'mime-pw');
  await c.connect();
  for (const file of FILES) await c.append('INBOX', readFileSync(path.join(DIR, file)));
  await c.mailboxOpen('INBOX');
});

afterAll(async () => {
  await c.logout().catch(() => undefined);
  await h.close();
});

describe('BODYSTRUCTURE / ENVELOPE', () => {
  it('matches RFC 3501’s own example for simple.eml', async () => {
    const r = await RawImap.connect(h.port);
    await r.command('a', 'LOGIN mime@example.test mime-pw');
    await r.command('b', 'EXAMINE INBOX');
    const seq = FILES.indexOf('simple.eml') + 1;
    const out = await r.command('c', `FETCH ${seq} (ENVELOPE BODYSTRUCTURE BODY)`);
    expect(out).toContain(
      'ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
        '"<B27397-0100000@cac.washington.edu>")',
    );
    expect(out).toContain(
      'BODYSTRUCTURE ("TEXT" "PLAIN" ("charset" "US-ASCII") NIL NIL "7BIT" 69 2 NIL NIL NIL NIL)',
    );
    expect(out).toContain('BODY ("TEXT" "PLAIN" ("charset" "US-ASCII") NIL NIL "7BIT" 69 2)');
    await r.close();
  });

  it('describes groups in ENVELOPE with RFC 3501 group syntax', async () => {
    const seq = FILES.indexOf('groups.eml') + 1;
    const r = await RawImap.connect(h.port);
    await r.command('a', 'LOGIN mime@example.test mime-pw');
    await r.command('b', 'EXAMINE INBOX');
    const out = await r.command('c', `FETCH ${seq} (ENVELOPE)`);
    expect(out).toContain('(NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")');
    expect(out).toContain('(NIL NIL NIL NIL)');
    await r.close();
  });

  it.each(FILES)('%s: sizes and line counts agree with BODY[part]', async (file) => {
    const seq = FILES.indexOf(file) + 1;
    const msg = await c.fetchOne(String(seq), { bodyStructure: true, envelope: true, size: true });
    expect(msg).toBeTruthy();
    if (!msg) return;
    // The fixtures have LF line ends; IMAP serves them with CRLF, as Dovecot does.
    const raw = readFileSync(path.join(DIR, file));
    expect(msg.size).toBe(raw.toString('latin1').replace(/(?<!\r)\n/g, '\r\n').length);
    const leaves: MessageStructureObject[] = [];
    const walk = (node: MessageStructureObject): void => {
      if (node.childNodes && node.type.startsWith('multipart/')) node.childNodes.forEach(walk);
      else leaves.push(node);
    };
    walk(msg.bodyStructure!);
    for (const leaf of leaves) {
      const part = leaf.part ?? '1';
      const fetched = await c.fetchOne(String(seq), { bodyParts: [part] });
      const bytes = fetched ? fetched.bodyParts?.get(part) : undefined;
      expect(bytes).toBeTruthy();
      if (!bytes) continue;
      expect([part, bytes.length]).toEqual([part, leaf.size]);
      if (leaf.type.startsWith('text/')) {
        const lines = bytes.toString('latin1').split('\n').length - 1;
        expect([part, lines]).toEqual([part, leaf.lineCount]);
      }
    }
  });
});
