/** QUOTA (RFC 9208): one quota root "" per account, resource STORAGE in KiB; SETQUOTA is admin-only. */
import { parseMailbox } from '../parser/grammar';
import { mailboxName, imapString } from '../format/strings';
import type { ImapSession } from '../session';
import { no, ok } from '../types';
import type { Handler } from './context';

async function quotaLine(s: ImapSession): Promise<string | null> {
  const quota = await s.services.admin.quota(s.account!.id);
  if (quota.limit === null) return null;
  return `* QUOTA "" (STORAGE ${Math.ceil(quota.used / 1024)} ${Math.floor(quota.limit / 1024)})\r\n`;
}

export const getquotaroot: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  const mailbox = await s.services.admin.get(s.account!.id, name);
  if (!mailbox) return no('Mailbox does not exist', 'NONEXISTENT');
  const line = await quotaLine(s);
  s.send('* QUOTAROOT ', mailboxName(name, s.utf8), line ? ' ""' : '', '\r\n');
  if (line) s.send(line);
  return ok('GETQUOTAROOT completed');
};

export const getquota: Handler = async (s, { t }) => {
  t.sp();
  const root = t.astring();
  t.end();
  const line = root === '' ? await quotaLine(s) : null;
  if (!line) return no(`No such quota root ${imapString(root)}`, 'NONEXISTENT');
  s.send(line);
  return ok('GETQUOTA completed');
};

export const setquota: Handler = async (_s, { t }) => {
  t.sp();
  t.astring();
  t.sp();
  t.list(() => {
    t.atom();
    t.sp();
    t.number();
  });
  t.end();
  return no('Quotas are set by the administrator', 'NOPERM');
};
