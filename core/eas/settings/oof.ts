/**
 * Settings Oof (MS-ASCMD §2.2.3.119) on the JMAP vacation responder (table jmap_vacation, the
 * one that core/delivery/vacation-responder.ts answers from): OofState 0 off, 1 on, 2 on between
 * StartTime and EndTime. The responder has one message for every sender, so Get reports it for
 * internal, known external and unknown external senders alike, and Set takes the first enabled
 * OofMessage (internal first). HTML replies keep a plain-text copy for text-only clients.
 */
import type { SqlExecutor } from '../../ports/sql';
import { stripHtml } from '../../mime/text-extract';
import { child, childrenNamed, el, textAt, type EasElement } from '../wbxml/tree';

const S = 'Settings';
const AUDIENCES = ['AppliesToInternal', 'AppliesToExternalKnown', 'AppliesToExternalUnknown'] as const;
/** Longest reply message accepted (characters). */
export const MAX_REPLY_LENGTH = 64 * 1024;

interface VacationRow {
  is_enabled: boolean;
  from_date: Date | string | null;
  to_date: Date | string | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
}

export interface OofSettings {
  state: 0 | 1 | 2;
  start: Date | null;
  end: Date | null;
  message: { text: string; html: string | null } | null;
}

/** MS-ASDTYPE dateTime, e.g. 2026-12-03T10:00:00.000Z. */
const asDateTime = (d: Date) => d.toISOString();

export async function readOof(db: SqlExecutor, accountId: number): Promise<OofSettings> {
  const r = await db.query<VacationRow>(`SELECT * FROM jmap_vacation WHERE account_id = $1`, [accountId]);
  const row = r.rows[0];
  const start = row?.from_date ? new Date(row.from_date) : null;
  const end = row?.to_date ? new Date(row.to_date) : null;
  const state = !row?.is_enabled ? 0 : start || end ? 2 : 1;
  const text = row?.text_body ?? (row?.html_body ? stripHtml(row.html_body) : null);
  return { state, start, end, message: text !== null ? { text, html: row?.html_body ?? null } : null };
}

/** The Get answer; `bodyType` is what the client asked for ("Text" or "HTML"). */
export function oofGetElement(oof: OofSettings, bodyType: string): EasElement {
  const html = bodyType.toUpperCase() === 'HTML';
  const message = (audience: string) =>
    el(
      S,
      'OofMessage',
      el(S, audience),
      el(S, 'Enabled', oof.state !== 0 && oof.message ? 1 : 0),
      oof.message && el(S, 'ReplyMessage', html ? (oof.message.html ?? oof.message.text) : oof.message.text),
      oof.message && el(S, 'BodyType', html ? 'HTML' : 'Text'),
    );
  return el(
    S,
    'Get',
    el(S, 'OofState', oof.state),
    oof.state === 2 && oof.start && el(S, 'StartTime', asDateTime(oof.start)),
    oof.state === 2 && oof.end && el(S, 'EndTime', asDateTime(oof.end)),
    ...AUDIENCES.map(message),
  );
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
function dateTime(text: string | undefined): Date | null | undefined {
  if (text === undefined) return undefined;
  if (!DATE_TIME.test(text)) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

export type OofSet =
  | {
      state: 0 | 1 | 2;
      start: Date | null;
      end: Date | null;
      message?: { text: string; html: string | null };
    }
  | 'invalid'
  | 'conflicting';

/** Reads Oof/Set; 'invalid' for a bad state, date or body type, 'conflicting' for start ≥ end. */
export function parseOofSet(set: EasElement): OofSet {
  const stateText = textAt(set, 'OofState');
  if (stateText !== undefined && !/^[012]$/.test(stateText)) return 'invalid';
  const start = dateTime(textAt(set, 'StartTime'));
  const end = dateTime(textAt(set, 'EndTime'));
  if (start === null || end === null) return 'invalid';
  const state = (stateText === undefined ? 1 : Number(stateText)) as 0 | 1 | 2;
  if (state === 2 && (!start || !end)) return 'invalid';
  if (state === 2 && start! >= end!) return 'conflicting';
  let message: { text: string; html: string | null } | undefined;
  const messages = childrenNamed(set, 'OofMessage');
  const ordered = AUDIENCES.flatMap((a) => messages.filter((m) => child(m, a)));
  for (const m of ordered) {
    if (textAt(m, 'Enabled') !== '1') continue;
    const reply = textAt(m, 'ReplyMessage') ?? '';
    const type = (textAt(m, 'BodyType') ?? 'Text').toUpperCase();
    if ((type !== 'TEXT' && type !== 'HTML') || reply.length > MAX_REPLY_LENGTH) return 'invalid';
    message = type === 'HTML' ? { text: stripHtml(reply), html: reply } : { text: reply, html: null };
    break;
  }
  return {
    state,
    start: state === 2 ? start! : null,
    end: state === 2 ? end! : null,
    ...(message ? { message } : {}),
  };
}

/** Writes the vacation responder; without a message the stored one is kept. */
export async function writeOof(
  db: SqlExecutor,
  accountId: number,
  set: Exclude<OofSet, 'invalid' | 'conflicting'>,
) {
  const keep = !set.message;
  await db.query(
    `INSERT INTO jmap_vacation (account_id, is_enabled, from_date, to_date, text_body, html_body)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (account_id) DO UPDATE SET is_enabled = $2, from_date = $3, to_date = $4,
       text_body = CASE WHEN $7::boolean THEN jmap_vacation.text_body ELSE $5 END,
       html_body = CASE WHEN $7::boolean THEN jmap_vacation.html_body ELSE $6 END`,
    [
      accountId,
      set.state !== 0,
      set.start,
      set.end,
      set.message?.text ?? null,
      set.message?.html ?? null,
      keep,
    ],
  );
}
