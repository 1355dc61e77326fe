/**
 * Client changes through the Email item source on a real store (PGlite): Read, Flag and
 * Categories as IMAP flags with their events, deletes (as moves to Trash, or expunged), 16.x
 * drafts, and "not found" for anything of another account.
 */
import { child, childrenNamed, el, type EasElement } from '../../../core/eas/wbxml';
import { append, ann, coll, options, PLAIN, store, text, useEmailStore } from './email-fixture';

useEmailStore();

describe('client changes', () => {
  const data = (...content: EasElement[]) => el('AirSync', 'ApplicationData', ...content);
  const flagsOf = async (user: string, box: string, uid: number) =>
    (
      await store.db.query<{ flags: string[] }>(
        `SELECT flags FROM messages WHERE mailbox_id = $1 AND uid = $2`,
        [store.users[user].boxes[box], uid],
      )
    ).rows[0]?.flags;

  it('Read, Flag and Categories become \\Seen, \\Flagged and keywords, with a flags event', async () => {
    const uid = await append('ann@a.test', 'INBOX', PLAIN('change me'), ['$Forwarded', 'old']);
    const inbox = coll('ann@a.test', 'INBOX');
    store.published.length = 0;
    const result = await store.source.change(
      ann().id,
      inbox,
      `${inbox}:${uid}`,
      data(
        el('Email', 'Read', 1),
        el('Email', 'Flag', el('Email', 'Status', 2), el('Email', 'FlagType', 'Flag for follow up')),
        el('Email', 'Categories', el('Email', 'Category', 'Blue team'), el('Email', 'Category', 'Ünïcode')),
        el('Email', 'Subject', 'ignored'),
      ),
      '16.1',
    );
    expect(result.status).toBe(1);
    const flags = await flagsOf('ann@a.test', 'INBOX', uid);
    expect(flags).toEqual(expect.arrayContaining(['\\Seen', '\\Flagged', '$Forwarded', 'Blue&ACA-team']));
    expect(flags).not.toContain('old');
    // One flags event per store statement (additions, then removals), as IMAP STORE gives.
    expect([...new Set(store.published.map((p) => p.kind))]).toEqual(['flags']);
    // Rendered back as the device wrote them.
    const item = (await store.source.applicationData(ann().id, inbox, [`${inbox}:${uid}`], options())).get(
      `${inbox}:${uid}`,
    );
    expect(childrenNamed(child(item, 'Categories'), 'Category').map((c) => c.text)).toEqual([
      'Blue team',
      'Ünïcode',
    ]);
    expect(text(item, 'Read')).toBe('1');
    // Clearing: Flag status 0 (and complete, 1) unflags; an empty Categories removes them all.
    await store.source.change(
      ann().id,
      inbox,
      `${inbox}:${uid}`,
      data(el('Email', 'Read', 0), el('Email', 'Flag', el('Email', 'Status', 1)), el('Email', 'Categories')),
      '14.1',
    );
    expect((await flagsOf('ann@a.test', 'INBOX', uid))?.sort()).toEqual(['$Forwarded']);
  });

  it("answers 8 for a missing item or another account's", async () => {
    const inbox = coll('ann@a.test', 'INBOX');
    const change = data(el('Email', 'Read', 1));
    expect((await store.source.change(ann().id, inbox, `${inbox}:99999`, change, '16.1')).status).toBe(8);
    const benUid = await append('ben@a.test', 'INBOX', PLAIN('not yours'));
    const benBox = coll('ben@a.test', 'INBOX');
    expect((await store.source.change(ann().id, benBox, `${benBox}:${benUid}`, change, '16.1')).status).toBe(
      8,
    );
    expect((await store.source.change(ann().id, inbox, `${benBox}:${benUid}`, change, '16.1')).status).toBe(
      8,
    );
    expect(
      (await store.source.remove(ann().id, benBox, `${benBox}:${benUid}`, { deletesAsMoves: false })).status,
    ).toBe(8);
    expect(await flagsOf('ben@a.test', 'INBOX', benUid)).toEqual([]);
  });
});

describe('remove', () => {
  const count = async (user: string, box: string) =>
    Number(
      (
        await store.db.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE mailbox_id = $1`, [
          store.users[user].boxes[box],
        ])
      ).rows[0].n,
    );

  it('deletesAsMoves moves to Trash; in Trash, or without it, the message is expunged', async () => {
    const inbox = coll('ann@a.test', 'INBOX');
    const trash = coll('ann@a.test', 'Trash');
    const uid = await append('ann@a.test', 'INBOX', PLAIN('to trash'));
    const trashBefore = await count('ann@a.test', 'Trash');
    expect(
      (await store.source.remove(ann().id, inbox, `${inbox}:${uid}`, { deletesAsMoves: true })).status,
    ).toBe(1);
    expect(await count('ann@a.test', 'Trash')).toBe(trashBefore + 1);
    expect((await store.source.versions(ann().id, inbox, 0)).has(`${inbox}:${uid}`)).toBe(false);
    const [trashed] = [...(await store.source.versions(ann().id, trash, 0)).keys()];
    expect((await store.source.remove(ann().id, trash, trashed, { deletesAsMoves: true })).status).toBe(1);
    expect(await count('ann@a.test', 'Trash')).toBe(trashBefore);
    const other = await append('ann@a.test', 'INBOX', PLAIN('hard delete'));
    store.published.length = 0;
    expect(
      (await store.source.remove(ann().id, inbox, `${inbox}:${other}`, { deletesAsMoves: false })).status,
    ).toBe(1);
    expect(store.published.map((p) => p.kind)).toEqual(['flags', 'expunge']);
    expect(
      (await store.source.remove(ann().id, inbox, `${inbox}:${other}`, { deletesAsMoves: false })).status,
    ).toBe(8);
  });
});

describe('add', () => {
  const draft = el(
    'AirSync',
    'ApplicationData',
    el('Email', 'To', '"Bob" <bob@b.test>'),
    el('Email2', 'Bcc', 'secret@b.test'),
    el('Email', 'Subject', 'Draft\r\nBcc: injected@evil.test'),
    el('AirSyncBase', 'Body', el('AirSyncBase', 'Type', 1), el('AirSyncBase', 'Data', 'Draft body')),
  );

  it('stores a 16.x draft in Drafts with \\Draft, and refuses mail elsewhere or in 14.x', async () => {
    const drafts = coll('ann@a.test', 'Drafts');
    expect((await store.source.add(ann().id, coll('ann@a.test', 'INBOX'), draft, '16.1')).status).toBe(6);
    expect((await store.source.add(ann().id, drafts, draft, '14.1')).status).toBe(6);
    expect((await store.source.add(ann().id, coll('ben@a.test', 'Drafts'), draft, '16.1')).status).toBe(6);
    const result = await store.source.add(ann().id, drafts, draft, '16.1');
    expect(result.status).toBe(1);
    const item = (await store.source.applicationData(ann().id, drafts, [result.serverId!], options())).get(
      result.serverId!,
    );
    expect(text(item, 'To')).toBe('"Bob" <bob@b.test>');
    expect(text(item, 'From')).toBe('ann@a.test');
    expect(text(item, 'Subject')).toBe('Draft Bcc: injected@evil.test');
    expect(text(item, 'IsDraft')).toBe('1');
    expect(text(child(item, 'Body'), 'Data')).toContain('Draft body');
    const row = await store.db.query<{ flags: string[] }>(
      `SELECT flags FROM messages WHERE mailbox_id = $1`,
      [store.users['ann@a.test'].boxes.Drafts],
    );
    expect(row.rows[0].flags).toEqual(expect.arrayContaining(['\\Draft', '\\Seen']));
  });
});
