/**
 * LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154,
 * LIST-MYRIGHTS RFC 8440) with the shared mailboxes under Other Users/, and LSUB.
 */
import { ALL_RIGHTS, formatRights, inSharedNamespace, SHARED_ROOT } from '../../../core/store/mailbox-access';
import { HIERARCHY_DELIMITER } from '../../../core/store/mailbox-admin';
import type { MailboxRow } from '../../../core/store/mailbox-store';
import { decodeModifiedUtf7 } from '../../../core/util/modified-utf7';
import { mailboxName, type Chunk } from '../format/strings';
import { normaliseInbox, parseListMailbox } from '../parser/grammar';
import { parseListMetadataOption } from '../parser/metadata-grammar';
import { ParseError, type Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { bad, ok } from '../types';
import { mailboxAccess, principal } from './access';
import { listMetadataResponse } from './metadata';
import type { Handler } from './context';
import { parseStatusItems, statusResponse } from './status';

function decodePattern(raw: Buffer, utf8: boolean): string {
  const text = utf8 || raw.some((b) => b >= 0x80) ? raw.toString('utf8') : raw.toString('latin1');
  if (utf8) return text;
  return decodeModifiedUtf7(text) ?? text;
}

/** Pattern to RegExp: "*" matches anything, "%" anything but the delimiter. */
export function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (const c of pattern) {
    if (c === '*') source += '.*';
    else if (c === '%') source += '[^/]*';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function matcher(reference: string, patterns: string[]): (name: string) => boolean {
  const regexps = patterns.map((p) => {
    const full =
      p.startsWith(HIERARCHY_DELIMITER) || reference === '' ? (reference ? reference + p : p) : reference + p;
    return {
      exact: patternRegExp(full),
      inbox: patternRegExp(normaliseInbox(full)),
      upper: /^inbox/i.test(full),
    };
  });
  return (name) =>
    regexps.some((r) => r.exact.test(name) || (name.startsWith('INBOX') && r.upper && r.inbox.test(name)));
}

function parseListArgs(t: Tokenizer, s: ImapSession) {
  const select = new Set<string>();
  const ret = new Set<string>();
  let statusItems: string[] | null = null;
  let metadataEntries: string[] | null = null;
  let extended = false;
  t.sp();
  if (t.peek() === 0x28) {
    extended = true;
    t.list(() => select.add(t.atom().toUpperCase()));
    for (const opt of select) {
      if (!['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'].includes(opt)) {
        throw new ParseError(`Unknown LIST selection option ${opt}`);
      }
    }
    t.sp();
  }
  const reference = decodePattern(t.astringBytes(), s.utf8);
  t.sp();
  const patterns: string[] = [];
  if (t.peek() === 0x28) {
    extended = true;
    t.list(() => patterns.push(decodePattern(parseListMailbox(t), s.utf8)), false);
  } else {
    patterns.push(decodePattern(parseListMailbox(t), s.utf8));
  }
  if (!t.atEnd) {
    t.sp();
    t.expect('RETURN ', 'RETURN');
    extended = true;
    t.list(() => {
      const opt = t.atom().toUpperCase();
      if (opt === 'STATUS') {
        t.sp();
        statusItems = parseStatusItems(t);
      } else if (opt === 'METADATA') {
        t.sp();
        metadataEntries = parseListMetadataOption(t);
      } else if (!['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE', 'MYRIGHTS'].includes(opt)) {
        throw new ParseError(`Unknown LIST return option ${opt}`);
      }
      ret.add(opt);
    });
  }
  t.end();
  return {
    select,
    ret,
    statusItems: statusItems as string[] | null,
    metadataEntries,
    reference,
    patterns,
    extended,
  };
}

interface Entry {
  name: string;
  /** null for a node that is not a mailbox (namespace root, owner, unlisted parent). */
  row: MailboxRow | null;
  /** The user's rights (own mailboxes: all). */
  rights: string;
  shared: boolean;
}

/**
 * Everything LIST may show this user: own mailboxes, then the shared ones with "l" under
 * Other Users/<owner>/ and the nodes above them (RFC 4314 §4: only "l" makes a mailbox visible).
 */
async function visibleEntries(s: ImapSession): Promise<Entry[]> {
  const own = (await s.services.admin.list(s.account!.id)).filter((m) => !inSharedNamespace(m.name));
  const entries: Entry[] = own.map((row) => ({ name: row.name, row, rights: ALL_RIGHTS, shared: false }));
  const shared = (await mailboxAccess(s).sharedWith(principal(s))).filter((m) => m.rights.includes('l'));
  if (shared.length === 0) return entries;
  const nodes = new Set<string>([SHARED_ROOT]);
  const listed = new Set(shared.map((m) => m.name));
  for (const m of shared) {
    const parts = m.name.split(HIERARCHY_DELIMITER);
    for (let i = 2; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(HIERARCHY_DELIMITER);
      if (!listed.has(parent)) nodes.add(parent);
    }
  }
  for (const name of [...nodes].sort()) entries.push({ name, row: null, rights: '', shared: true });
  for (const m of shared) entries.push({ name: m.name, row: m.mailbox, rights: m.rights, shared: true });
  return entries;
}

/** True if a mailbox strictly between `ancestor` and its descendant `name` matches the patterns. */
function matchedBetween(ancestor: string, name: string, matches: (name: string) => boolean): boolean {
  const parts = name.split(HIERARCHY_DELIMITER);
  const depth = ancestor.split(HIERARCHY_DELIMITER).length;
  for (let i = depth + 1; i < parts.length; i++) {
    if (matches(parts.slice(0, i).join(HIERARCHY_DELIMITER))) return true;
  }
  return false;
}

export const list: Handler = async (s, { t }) => {
  const args = parseListArgs(t, s);
  const { select, ret, reference, patterns } = args;
  if (select.has('RECURSIVEMATCH') && !select.has('SUBSCRIBED') && !select.has('SPECIAL-USE')) {
    return bad('RECURSIVEMATCH needs another selection option');
  }
  if (patterns.length === 1 && patterns[0] === '') {
    const root = reference.includes(HIERARCHY_DELIMITER)
      ? reference.slice(0, reference.indexOf(HIERARCHY_DELIMITER))
      : '';
    s.send('* LIST (\\Noselect) "/" ', mailboxName(root, s.utf8), '\r\n');
    return ok('LIST completed');
  }
  const accountId = s.account!.id;
  const entries = await visibleEntries(s);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const needSubs = select.has('SUBSCRIBED') || ret.has('SUBSCRIBED');
  const subs = needSubs ? await s.services.admin.subscriptions(accountId) : new Set<string>();
  const matches = matcher(reference, patterns);
  const hasChildren = (name: string): boolean => {
    const prefix = name + HIERARCHY_DELIMITER;
    return entries.some((e) => e.name.startsWith(prefix));
  };
  const lines: { entry: Entry | null; name: string; attrs: string[]; childInfo: boolean }[] = [];
  const specialOnly = select.has('SPECIAL-USE');
  const specialUse = (e: Entry | null | undefined) => (e && !e.shared ? (e.row?.special_use ?? null) : null);
  if (select.has('SUBSCRIBED')) {
    const names = new Set<string>(subs);
    if (select.has('RECURSIVEMATCH')) {
      // Parents of subscribed names are candidates for CHILDINFO even when not subscribed themselves.
      for (const name of subs) {
        const parts = name.split(HIERARCHY_DELIMITER);
        for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join(HIERARCHY_DELIMITER));
      }
    }
    for (const name of [...names].sort()) {
      if (!matches(name)) continue;
      const entry = byName.get(name) ?? null;
      const subscribed = subs.has(name);
      const prefix = name + HIERARCHY_DELIMITER;
      const below = select.has('RECURSIVEMATCH') ? [...subs].filter((x) => x.startsWith(prefix)) : [];
      // A parent that is not subscribed itself is only listed for subscribed descendants the
      // patterns do not list, and only as their closest listed ancestor: a nearer one that
      // matches a pattern carries the CHILDINFO instead (RFC 5258 §3.5; Dovecot answers the same).
      if (!subscribed && !below.some((x) => !matches(x) && !matchedBetween(name, x, matches))) continue;
      const childInfo = below.length > 0;
      if (specialOnly && !specialUse(entry)) continue;
      const attrs: string[] = [];
      if (!entry?.row) attrs.push('\\NonExistent');
      if (subscribed) attrs.push('\\Subscribed');
      lines.push({ entry, name, attrs, childInfo });
    }
  } else {
    for (const entry of entries) {
      if (!matches(entry.name)) continue;
      if (!entry.row) {
        // The root and owner nodes are listed like Dovecot's; a parent the user may not see only
        // when something below it is not listed itself (the "%" rule of RFC 9051 §6.3.9).
        if (specialOnly) continue;
        if (entry.name.split(HIERARCHY_DELIMITER).length > 2) {
          const prefix = entry.name + HIERARCHY_DELIMITER;
          const below = entries.filter((e) => e.row && e.name.startsWith(prefix));
          if (below.every((e) => matches(e.name))) continue;
        }
        lines.push({ entry, name: entry.name, attrs: ['\\Noselect'], childInfo: false });
        continue;
      }
      if (specialOnly && !specialUse(entry)) continue;
      const attrs: string[] = [];
      if (ret.has('SUBSCRIBED') && subs.has(entry.name)) attrs.push('\\Subscribed');
      lines.push({ entry, name: entry.name, attrs, childInfo: false });
    }
  }
  for (const line of lines) {
    const attrs = [...line.attrs];
    const entry = line.entry;
    if (entry) {
      attrs.push(hasChildren(line.name) ? '\\HasChildren' : '\\HasNoChildren');
      const use = specialUse(entry);
      if (use) attrs.push(...use.split(' '));
    }
    const out: Chunk[] = [`* LIST (${attrs.join(' ')}) "/" `, mailboxName(line.name, s.utf8)];
    if (line.childInfo) out.push(' ("CHILDINFO" ("SUBSCRIBED"))');
    out.push('\r\n');
    s.send(...out);
    const row = entry?.row;
    if (!row || !entry) continue;
    if (args.statusItems && entry.rights.includes('r')) {
      s.send(...(await statusResponse(s, line.name, row.id, args.statusItems)));
    }
    // LIST-MYRIGHTS (RFC 8440): after the LIST line, for mailboxes only.
    if (ret.has('MYRIGHTS')) {
      s.send('* MYRIGHTS ', mailboxName(line.name, s.utf8), ` ${formatRights(entry.rights)}\r\n`);
    }
    // LIST-METADATA (RFC 9590): the requested entries, as GETMETADATA would answer them.
    if (args.metadataEntries) {
      s.send(...(await listMetadataResponse(s, line.name, row, entry.rights, args.metadataEntries)));
    }
  }
  return ok('LIST completed');
};

export const lsub: Handler = async (s, { t }) => {
  t.sp();
  const reference = decodePattern(t.astringBytes(), s.utf8);
  t.sp();
  const pattern = decodePattern(parseListMailbox(t), s.utf8);
  t.end();
  const accountId = s.account!.id;
  const subs = await s.services.admin.subscriptions(accountId);
  const matches = matcher(reference, [pattern]);
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const name of [...subs].sort()) {
    if (matches(name)) {
      if (!seen.has(name)) out.push([name, '']);
      seen.add(name);
      continue;
    }
    // "%" may match a superior of a subscribed name: listed \Noselect (RFC 3501 §6.3.9).
    const parts = name.split(HIERARCHY_DELIMITER);
    for (let i = parts.length - 1; i >= 1; i--) {
      const parent = parts.slice(0, i).join(HIERARCHY_DELIMITER);
      if (matches(parent) && !subs.has(parent) && !seen.has(parent)) {
        seen.add(parent);
        out.push([parent, '\\Noselect']);
      }
    }
  }
  for (const [name, attrs] of out) s.send(`* LSUB (${attrs}) "/" `, mailboxName(name, s.utf8), '\r\n');
  return ok('LSUB completed');
};
