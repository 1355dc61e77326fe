/**
 * Digest periods as strings, so a period names its spool job (`digest:<listId>:<period>`) and its
 * row in list_digests. Calendar periods are UTC: `d2026-12-03` (a day), `w2026-11-30` (the ISO
 * week starting that Monday), `m2026-12` (a month). `x<item id>` is a digest sent early because
 * enough posts waited (list_digest_settings.max_posts / max_bytes): due at once, never repeated.
 */
export type DigestFrequency = 'daily' | 'weekly' | 'monthly';

export type DigestPeriod = { kind: DigestFrequency; start: Date } | { kind: 'threshold'; firstItem: number };

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const ymd = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

function startOf(kind: DigestFrequency, at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (kind === 'daily') return new Date(day);
  if (kind === 'weekly') return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

function endOf(kind: DigestFrequency, start: Date): Date {
  if (kind === 'daily') return new Date(start.getTime() + DAY_MS);
  if (kind === 'weekly') return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

export function formatPeriod(period: DigestPeriod): string {
  if (period.kind === 'threshold') return `x${period.firstItem}`;
  if (period.kind === 'monthly') return `m${ymd(period.start).slice(0, 7)}`;
  return `${period.kind === 'daily' ? 'd' : 'w'}${ymd(period.start)}`;
}

/** The period containing `at`. */
export function periodOf(kind: DigestFrequency, at: Date): string {
  return formatPeriod({ kind, start: startOf(kind, at) });
}

/**
 * Strict parse (periods come back from job ids and payloads): only what formatPeriod writes, and
 * only a real period start (a Monday for weeks), so parse and format are inverse.
 */
export function parsePeriod(text: string): DigestPeriod | null {
  const threshold = /^x([1-9][0-9]{0,15})$/.exec(text);
  if (threshold) {
    const firstItem = Number(threshold[1]);
    return Number.isSafeInteger(firstItem) ? { kind: 'threshold', firstItem } : null;
  }
  const m = /^([dwm])([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?$/.exec(text);
  if (!m || (m[1] === 'm') !== (m[4] === undefined)) return null;
  const kind: DigestFrequency = m[1] === 'd' ? 'daily' : m[1] === 'w' ? 'weekly' : 'monthly';
  const start = new Date(Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4] ?? 1)));
  if (Number(m[2]) < 1970 || formatPeriod({ kind, start }) !== text) return null;
  if (startOf(kind, start).getTime() !== start.getTime()) return null;
  return { kind, start };
}

/** When the period is over and its digest may go; a threshold digest is due at once. */
export function periodEnd(period: DigestPeriod): Date {
  return period.kind === 'threshold' ? new Date(0) : endOf(period.kind, period.start);
}

/** The period after a calendar period (null for a threshold digest: it has no successor). */
export function nextPeriod(period: DigestPeriod): string | null {
  if (period.kind === 'threshold') return null;
  return formatPeriod({ kind: period.kind, start: endOf(period.kind, period.start) });
}
