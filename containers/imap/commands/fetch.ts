/**
 * FETCH / UID FETCH (RFC 9051 §6.4.5) with CONDSTORE CHANGEDSINCE and QRESYNC VANISHED.
 * One SQL query per batch of messages, only the columns the items need; ENVELOPE and
 * BODYSTRUCTURE come from the stored structure; bodies are read by range from the blob.
 */
import type { MessageStructure } from '../../../core/mime';
import { storeFlags } from '../../../core/store/flags';
import type { Columns, MessageRecord } from '../../../core/store/imap-view';
import {
  binaryBytes,
  ConvertedBytes,
  MessageBytes,
  sectionBytes,
  UnknownCteError,
  withoutNuls,
  type ByteSource,
} from '../format/body-section';
import { messageObjects, objectItem, type MessageObjects } from './fetch-objects';
import { bodyChunks, envelopeChunks } from '../format/structure';
import { formatInternalDate, formatSequenceSet, literal, nstring, type Chunk } from '../format/strings';
import {
  parseFetchItems,
  parseFetchModifiers,
  type FetchItem,
  type FetchModifiers,
  type Section,
} from '../parser/fetch-grammar';
import { partialUids } from './fetch-partial';
import { parseSequenceSet } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { withRetained } from '../expunged-fetch';
import { bad, no, ok } from '../types';
import type { Handler } from './context';
import { selectedHas } from './access';

// Messages per query: small when bodies are read (memory), large for index-only items.
const BODY_BATCH = 250;
const INDEX_BATCH = 5000;

function sectionLabel(section: Section): string {
  let label = section.path.join('.');
  if (section.specifier) {
    label += (label ? '.' : '') + section.specifier;
    if (section.fields.length > 0) label += ` (${section.fields.map((f) => f.toUpperCase()).join(' ')})`;
  }
  return label;
}

interface Needs {
  structure: boolean;
  body: boolean;
  seen: boolean;
  columns: Columns;
  threads: boolean;
  /** PREVIEW without LAZY: computed (and stored) when missing. */
  previews: boolean;
}

function needs(items: FetchItem[]): Needs {
  let structure = false;
  let body = false;
  let seen = false;
  let threads = false;
  let previews = false;
  const columns: Columns = { modseq: false, internalDate: false, size: false };
  for (const item of items) {
    if (item.kind === 'preview') {
      columns.id = true;
      columns.preview = true;
      if (!item.lazy) {
        previews = true;
        structure = true;
        body = true;
      }
    } else if (item.kind === 'simple') {
      if (item.name === 'MODSEQ') columns.modseq = true;
      if (item.name === 'INTERNALDATE') columns.internalDate = true;
      if (item.name === 'RFC822.SIZE') columns.size = true;
      if (item.name === 'SAVEDATE') columns.savedAt = true;
      if (item.name === 'EMAILID' || item.name === 'THREADID') columns.id = true;
      if (item.name === 'THREADID') threads = true;
      if (['ENVELOPE', 'BODYSTRUCTURE', 'BODY'].includes(item.name)) structure = true;
      if (['RFC822', 'RFC822.HEADER', 'RFC822.TEXT'].includes(item.name)) {
        structure = true;
        body = true;
        if (item.name !== 'RFC822.HEADER') seen = true;
      }
    } else {
      structure = true;
      body = true;
      if (item.kind === 'body' && !item.peek) seen = true;
    }
  }
  return { structure, body, seen, columns, threads, previews };
}

/** What one message's items are rendered from. */
interface Source {
  record: MessageRecord;
  /** The bytes as IMAP serves them: binary parts base64-encoded (RFC 3516), bare LF as CRLF. */
  served: ByteSource | null;
  objects: MessageObjects;
}

async function renderItem(s: ImapSession, item: FetchItem, source: Source, out: Chunk[]): Promise<void> {
  const utf8 = s.utf8;
  const { record, objects } = source;
  // The served form's structure; present when needs() asked for it.
  const structure = (record.structure?.converted ?? record.structure) as MessageStructure;
  const served = source.served!;
  if (item.kind === 'preview') {
    out.push('PREVIEW ', nstring(objects.preview(record), utf8));
    return;
  }
  if (item.kind === 'simple') {
    switch (item.name) {
      case 'UID':
        out.push(`UID ${record.uid}`);
        return;
      case 'FLAGS':
        out.push(s.flagsItem(record.uid, record.flags));
        return;
      case 'INTERNALDATE':
        out.push(`INTERNALDATE ${formatInternalDate(record.internalDate!)}`); // read: needs() asked for it
        return;
      case 'RFC822.SIZE':
        out.push(`RFC822.SIZE ${record.size}`);
        return;
      case 'MODSEQ':
        out.push(`MODSEQ (${record.modseq})`);
        return;
      case 'ENVELOPE':
        out.push('ENVELOPE ');
        envelopeChunks(structure.envelope, out, utf8);
        return;
      case 'BODYSTRUCTURE':
      case 'BODY':
        out.push(`${item.name} `);
        bodyChunks(structure.body, out, item.name === 'BODYSTRUCTURE', utf8);
        return;
      case 'RFC822':
        out.push('RFC822 ', literal(withoutNuls(await served.all())));
        return;
      case 'RFC822.HEADER':
        out.push('RFC822.HEADER ', literal(withoutNuls(await served.range(0, structure.body.bodyStart))));
        return;
      case 'RFC822.TEXT':
        out.push(
          'RFC822.TEXT ',
          literal(withoutNuls(await served.range(structure.body.bodyStart, structure.size))),
        );
        return;
      case 'SAVEDATE':
        // NIL (RFC 8514 §3) only where it is not known: a retained, already expunged message.
        out.push(record.savedAt ? `SAVEDATE ${formatInternalDate(record.savedAt)}` : 'SAVEDATE NIL');
        return;
      case 'EMAILID':
      case 'THREADID': {
        const text = objectItem(item.name, objects, record);
        if (text) out.push(text);
        return;
      }
    }
  }
  // BINARY forms decode the served form too: a binary part's base64 gives back its bytes.
  if (item.kind === 'binary-size') {
    const data = await binaryBytes(served, structure, item.path, null);
    out.push(`BINARY.SIZE[${item.path.join('.')}] ${data ? data.length : 0}`);
    return;
  }
  const origin = item.partial ? `<${item.partial.start}>` : '';
  if (item.binary) {
    const data = await binaryBytes(served, structure, item.section.path, item.partial);
    out.push(`BINARY[${item.section.path.join('.')}]${origin} `);
    // A section that names no part is empty, as in Dovecot (clients expect a string here).
    if (!data) out.push(literal(Buffer.alloc(0)));
    else out.push(data.includes(0) ? literal(data, true) : literal(data));
    return;
  }
  const data = await sectionBytes(served, structure, item.section, item.partial);
  out.push(
    `BODY[${sectionLabel(item.section)}]${origin} `,
    literal(data ? withoutNuls(data) : Buffer.alloc(0)),
  );
}

export const fetch: Handler = async (s, { uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const set = parseSequenceSet(t);
  t.sp();
  const items = parseFetchItems(t);
  let modifiers: FetchModifiers = { changedSince: null, vanished: false, partial: null };
  if (!t.atEnd) {
    t.sp();
    modifiers = parseFetchModifiers(t);
  }
  t.end();
  if (modifiers.vanished && (!uid || modifiers.changedSince === null)) {
    return bad('VANISHED needs UID FETCH with CHANGEDSINCE');
  }
  if (modifiers.vanished && !s.qresync) return bad('QRESYNC is not enabled');
  if (modifiers.partial && !uid) return bad('PARTIAL needs UID FETCH');
  // CONDSTORE-enabling (RFC 7162 §3.1): CHANGEDSINCE, or asking for MODSEQ.
  if (modifiers.changedSince !== null || items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ'))
    s.enableCondstore();
  const uids = await partialUids(s, selected.resolve(set, uid, s.saved), modifiers);
  // UID FETCH always reports UIDs (UIDFETCH carries it in front, RFC 9586); CHANGEDSINCE implies
  // MODSEQ (RFC 7162 §3.3.1).
  const list = [...items];
  if (uid && !s.uidonly && !list.some((i) => i.kind === 'simple' && i.name === 'UID'))
    list.unshift({ kind: 'simple', name: 'UID' });
  if (modifiers.changedSince !== null && !list.some((i) => i.kind === 'simple' && i.name === 'MODSEQ')) {
    list.push({ kind: 'simple', name: 'MODSEQ' });
  }
  if (modifiers.vanished && modifiers.changedSince !== null && set.ranges.length > 0) {
    const vanished = (await s.services.view.vanishedSince(selected.id, modifiers.changedSince)).filter((u) =>
      set.ranges.some(([a, b]) => {
        const hi = a === -1 || b === -1 ? Infinity : Math.max(a, b);
        const lo = a === -1 && b === -1 ? selected.maxUid : a === -1 ? b : b === -1 ? a : Math.min(a, b);
        return u >= Math.min(lo, hi) && u <= hi;
      }),
    );
    if (vanished.length > 0) s.send(`* VANISHED (EARLIER) ${formatSequenceSet(vanished)}\r\n`);
  }
  const need = needs(list);
  const markSeen = need.seen && !selected.readOnly && selectedHas(selected, 's');
  const hasFlags = list.some((i) => i.kind === 'simple' && i.name === 'FLAGS');
  let missing = false;
  try {
    const size = need.body ? BODY_BATCH : INDEX_BATCH;
    for (let i = 0; i < uids.length; i += size) {
      const batch = uids.slice(i, i + size);
      let records = await s.services.view.messages(selected.id, batch, {
        structure: need.structure,
        body: need.body,
        changedSince: modifiers.changedSince,
        columns: need.columns,
      });
      if (modifiers.changedSince === null && records.length < batch.length) {
        // Expunged elsewhere but not yet reported here: served as retained (expunged-fetch.ts).
        const served = await withRetained(s, selected.id, batch, records);
        records = served.records;
        if (served.missing) missing = true;
      }
      const objects = await messageObjects(s, records, need);
      let seenUpdates = new Map<number, { flags: string[]; modseq: number }>();
      if (markSeen) {
        const unseen = records.filter((r) => !r.flags.includes('\\Seen')).map((r) => r.uid);
        if (unseen.length > 0) {
          const result = await storeFlags(s.services.deps.db, s.services.deps.events, {
            accountId: selected.mailbox.account_id,
            mailboxId: selected.id,
            uids: unseen,
            op: 'add',
            flags: ['\\Seen'],
          });
          seenUpdates = new Map(result.updated.map((u) => [u.uid, u]));
          for (const u of result.updated) selected.own.set(u.uid, u.modseq);
        }
      }
      for (const record of records) {
        const seq = selected.seqOf(record.uid);
        if (seq === 0) continue;
        const update = seenUpdates.get(record.uid);
        if (update) {
          record.flags = update.flags;
          record.modseq = update.modseq;
        }
        const bytes = need.body ? new MessageBytes(s.services.deps.blobs, record) : null;
        const converted = record.structure?.converted;
        const served = bytes && converted ? new ConvertedBytes(bytes, record.structure!) : bytes;
        const source: Source = { record, served, objects };
        const out: Chunk[] = [];
        for (const item of list) {
          const chunks: Chunk[] = [];
          await renderItem(s, item, source, chunks);
          // Nothing to say (the EMAILID of a retained, already expunged message): left out.
          if (chunks.length > 0) out.push(out.length > 0 ? ' ' : '', ...chunks);
        }
        if (update && !hasFlags) out.push(' ', s.flagsItem(record.uid, record.flags));
        s.send(s.fetchStart(seq, record.uid), ...out, ')\r\n');
        await s.maybeFlush();
      }
    }
  } catch (error) {
    if (error instanceof UnknownCteError)
      return no(`Unknown transfer encoding ${error.message}`, 'UNKNOWN-CTE');
    if (error instanceof ParseError) throw error;
    throw error;
  }
  if (missing && !uid) return no('Some messages were expunged and cannot be fetched', 'EXPUNGEISSUED');
  return ok('FETCH completed');
};
