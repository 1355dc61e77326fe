/** VacationResponse/get|set (RFC 8621 §8): one singleton per account. */
import type { JmapAccount, JmapDeps } from './context';
import { singletonGet, singletonSet } from './singleton';
import type { Args } from './util';

interface Row {
  is_enabled: boolean;
  from_date: Date | null;
  to_date: Date | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

async function load(deps: JmapDeps, accountId: number) {
  const r = await deps.db.query<Row>(`SELECT * FROM jmap_vacation WHERE account_id = $1`, [accountId]);
  const row = r.rows[0];
  return {
    id: 'singleton' as const,
    isEnabled: row?.is_enabled ?? false,
    fromDate: iso(row?.from_date ?? null),
    toDate: iso(row?.to_date ?? null),
    subject: row?.subject ?? null,
    textBody: row?.text_body ?? null,
    htmlBody: row?.html_body ?? null,
  };
}

export function vacationGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  return singletonGet(account, args, () => load(deps, account.id));
}

export function vacationSet(deps: JmapDeps, account: JmapAccount, args: Args) {
  return singletonSet(
    account,
    args,
    () => load(deps, account.id),
    async (before, patch) => {
      const next = { ...before, ...patch };
      await deps.db.query(
        `INSERT INTO jmap_vacation (account_id, is_enabled, from_date, to_date, subject, text_body, html_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (account_id) DO UPDATE SET is_enabled = $2, from_date = $3, to_date = $4, subject = $5, text_body = $6, html_body = $7`,
        [
          account.id,
          Boolean(next.isEnabled),
          next.fromDate,
          next.toDate,
          next.subject,
          next.textBody,
          next.htmlBody,
        ],
      );
      return null;
    },
  );
}
