/**
 * The other protocols the ActiveSync acceptance suite checks a phone's work against, on the
 * same node: CalDAV/CardDAV over HTTP, IMAP with imapflow, JMAP. Each call logs in as `user`.
 */
import { ImapFlow } from 'imapflow';
import { JmapTestClient } from '../helpers/jmap-client';
import { USING, type WebHarness } from './web-harness';

const MAIL = 'urn:ietf:params:jmap:mail';

export class OtherClients {
  constructor(
    private readonly h: WebHarness,
    private readonly password: string,
  ) {}

  async dav(user: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(this.h.base + path, {
      method,
      headers: { ...this.h.basic(user, this.password), ...headers },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  /** The bodies of the resources (`.ics`, `.vcf`) of one DAV collection: PROPFIND, then GET. */
  async davObjects(user: string, collection: string): Promise<string[]> {
    const listing = await this.dav(user, 'PROPFIND', collection, undefined, { depth: '1' });
    if (listing.status !== 207) throw new Error(`PROPFIND ${collection}: ${listing.status}`);
    const hrefs = [...listing.text.matchAll(/<(?:[a-zA-Z]+:)?href>([^<]+\.(?:ics|vcf))<\//g)].map(
      (m) => m[1],
    );
    return Promise.all(
      hrefs.map(async (href) => (await this.dav(user, 'GET', new URL(href, this.h.base).pathname)).text),
    );
  }

  async imap<T>(user: string, mailbox: string, run: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: this.h.node.ports.imap!,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: this.password },
      logger: false,
    });
    await client.connect();
    const lock = await client.getMailboxLock(mailbox);
    try {
      return await run(client);
    } finally {
      lock.release();
      await client.logout();
    }
  }

  /** UID and flags of the INBOX message with `subject` (null while it is not there). */
  imapFlags(user: string, subject: string, mailbox = 'INBOX') {
    return this.imap(user, mailbox, async (c) => {
      const [uid] = (await c.search({ subject }, { uid: true })) || [];
      if (!uid) return null;
      const message = await c.fetchOne(String(uid), { flags: true }, { uid: true });
      return message ? { uid, flags: [...(message.flags ?? [])] } : null;
    });
  }

  /** The one message with `subject`: its JMAP id and keywords. */
  async jmapEmail(user: string, subject: string): Promise<{ id: string; keywords: Record<string, boolean> }> {
    const jmap = new JmapTestClient(() => this.h.node.ports.http!, this.password, USING);
    const accountId = await jmap.accountId(user, MAIL);
    const [[, query], [, got]] = await jmap.call(user, [
      ['Email/query', { accountId, filter: { subject } }, 'q'],
      [
        'Email/get',
        { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['keywords'] },
        'g',
      ],
    ]);
    if (query.ids?.length !== 1) throw new Error(`${query.ids?.length ?? 'no'} messages "${subject}"`);
    return got.list[0];
  }

  /** Sets or clears JMAP keywords of one message (Email/set patch); returns the ids updated. */
  async jmapKeywords(user: string, id: string, patch: Record<string, boolean | null>): Promise<string[]> {
    const jmap = new JmapTestClient(() => this.h.node.ports.http!, this.password, USING);
    const accountId = await jmap.accountId(user, MAIL);
    const update = Object.fromEntries(Object.entries(patch).map(([k, v]) => [`keywords/${k}`, v]));
    const [[, set]] = await jmap.call(user, [['Email/set', { accountId, update: { [id]: update } }, 's']]);
    return Object.keys(set.updated ?? {});
  }
}
