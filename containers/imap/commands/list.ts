/** LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154) and LSUB. */
import { HIERARCHY_DELIMITER } from '../../../core/store/mailbox-admin';
import type { MailboxRow } from '../../../core/store/mailbox-store';
import { decodeModifiedUtf7 } from '../../../core/util/modified-utf7';
import { mailboxName, type Chunk } from '../format/strings';
import { normaliseInbox, parseListMailbox } from '../parser/grammar';
import { ParseError, type Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { bad, ok } from '../types';
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
      } else if (!['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE'].includes(opt)) {
        throw new ParseError(`Unknown LIST return option ${opt}`);
      }
      ret.add(opt);
    });
  }
  t.end();
  return { select, ret, statusItems: statusItems as string[] | null, reference, patterns, extended };
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
  const mailboxes = await s.services.admin.list(accountId);
  const byName = new Map(mailboxes.map((m) => [m.name, m]));
  const needSubs = select.has('SUBSCRIBED') || ret.has('SUBSCRIBED');
  const subs = needSubs ? await s.services.admin.subscriptions(accountId) : new Set<string>();
  const matches = matcher(reference, patterns);
  const hasChildren = (name: string): boolean => {
    const prefix = name + HIERARCHY_DELIMITER;
    return mailboxes.some((m) => m.name.startsWith(prefix));
  };
  const lines: { name: string; attrs: string[]; childInfo: boolean; row: MailboxRow | null }[] = [];
  const specialOnly = select.has('SPECIAL-USE');
  if (select.has('SUBSCRIBED')) {
    const names = new Set<string>(subs);
    if (select.has('RECURSIVEMATCH')) {
      // Parents whose subscribed children match get CHILDINFO even when not subscribed themselves.
      for (const name of subs) {
        const parts = name.split(HIERARCHY_DELIMITER);
        for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join(HIERARCHY_DELIMITER));
      }
    }
    for (const name of [...names].sort()) {
      if (!matches(name)) continue;
      const row = byName.get(name) ?? null;
      const subscribed = subs.has(name);
      const prefix = name + HIERARCHY_DELIMITER;
      const childInfo = select.has('RECURSIVEMATCH') && [...subs].some((x) => x.startsWith(prefix));
      if (!subscribed && !childInfo) continue;
      if (specialOnly && !row?.special_use) continue;
      const attrs: string[] = [];
      if (!row) attrs.push('\\NonExistent');
      if (subscribed) attrs.push('\\Subscribed');
      lines.push({ name, attrs, childInfo, row });
    }
  } else {
    for (const row of mailboxes) {
      if (!matches(row.name)) continue;
      if (specialOnly && !row.special_use) continue;
      const attrs: string[] = [];
      if (ret.has('SUBSCRIBED') && subs.has(row.name)) attrs.push('\\Subscribed');
      lines.push({ name: row.name, attrs, childInfo: false, row });
    }
  }
  for (const line of lines) {
    const attrs = [...line.attrs];
    if (line.row) {
      attrs.push(hasChildren(line.name) ? '\\HasChildren' : '\\HasNoChildren');
      if (line.row.special_use) attrs.push(...line.row.special_use.split(' '));
    }
    const out: Chunk[] = [`* LIST (${attrs.join(' ')}) "/" `, mailboxName(line.name, s.utf8)];
    if (line.childInfo) out.push(' ("CHILDINFO" ("SUBSCRIBED"))');
    out.push('\r\n');
    s.send(...out);
    if (args.statusItems && line.row) {
      s.send(...(await statusResponse(s, line.name, line.row.id, args.statusItems)));
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
