/**
 * Who a ResolveRecipients To names: entries of the domain's GAL (Type 1) and of the user's own
 * address books in the PIM store (Type 2, contacts with an EMAIL), by exact address or by name
 * prefix; and the merged free/busy string of a local account over a window (30-minute slots:
 * 0 free, 1 tentative, 2 busy, 3 out of office; MS-ASCMD §2.2.3.101).
 */
import type { PimStore } from '../../pim/pim-store';
import { busyPeriods } from '../../pim/ical/free-busy';
import { parseVcard } from '../../pim/vcard';
import type { SqlExecutor } from '../../ports/sql';
import { galEntries, galMatches, type GalEntry } from '../search/gal';

export interface Candidate {
  type: 1 | 2;
  displayName: string;
  emailAddress: string;
}

/** Contacts of the account: FN and each EMAIL of every vCard (unparseable cards skipped). */
async function contacts(pim: PimStore, accountId: number, maxCards: number): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const book of await pim.collections(accountId, 'addressbooks')) {
    for (const object of (await pim.objects.list(book.id)).slice(0, maxCards)) {
      try {
        const card = parseVcard(object.data);
        const fn = card.properties.find((p) => p.name === 'FN')?.value ?? '';
        for (const email of card.properties.filter((p) => p.name === 'EMAIL'))
          out.push({ type: 2, displayName: fn || email.value, emailAddress: email.value });
      } catch {
        // A card the DAV side stored but we cannot read is not a recipient.
      }
    }
  }
  return out;
}

const isAddress = (s: string) => /^[^\s@]+@[^\s@]+$/.test(s);

export async function candidatesFor(
  deps: { db: SqlExecutor; pimStore?: PimStore },
  account: { id: number; address: string },
  to: string,
  maxCards = 5000,
): Promise<Candidate[]> {
  const gal = await galEntries(deps.db, account.address);
  const book = deps.pimStore ? await contacts(deps.pimStore, account.id, maxCards) : [];
  const q = to.trim().toLowerCase();
  const fromGal = (e: GalEntry): Candidate => ({
    type: 1,
    displayName: e.displayName,
    emailAddress: e.emailAddress,
  });
  if (isAddress(q)) {
    const local = gal.filter((e) => e.emailAddress.toLowerCase() === q).map(fromGal);
    return local.length > 0 ? local : book.filter((c) => c.emailAddress.toLowerCase() === q);
  }
  const words = (s: string) => [s, ...s.split(/\s+/)].map((w) => w.toLowerCase());
  const matched = [
    ...gal.filter((e) => galMatches(e, q)).map(fromGal),
    ...book.filter((c) =>
      [...words(c.displayName), c.emailAddress.toLowerCase()].some((w) => w.startsWith(q)),
    ),
  ];
  const seen = new Set<string>();
  return matched.filter((c) => {
    const key = `${c.type}:${c.emailAddress.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const SLOT_MS = 30 * 60 * 1000;

/** MergedFreeBusy of the account owning `address` (same domain only), or null when not local. */
export async function mergedFreeBusy(
  deps: { db: SqlExecutor; pimStore?: PimStore },
  readerAddress: string,
  address: string,
  window: { start: Date; end: Date },
): Promise<string | null> {
  if (!deps.pimStore) return null;
  const gal = await galEntries(deps.db, readerAddress);
  if (!gal.some((e) => e.emailAddress.toLowerCase() === address.toLowerCase())) return null;
  const owner = await deps.db.query<{ id: string | number }>(
    `SELECT id FROM accounts WHERE lower(address) = lower($1)`,
    [address],
  );
  if (!owner.rows[0]) return null;
  const accountId = Number(owner.rows[0].id);
  const texts: string[] = [];
  for (const cal of await deps.pimStore.collections(accountId, 'calendars')) {
    if (cal.components.length > 0 && !cal.components.includes('VEVENT')) continue;
    for (const o of await deps.pimStore.objects.inRange(cal.id, window.start, window.end)) texts.push(o.data);
  }
  const periods = busyPeriods(texts, window);
  const start = window.start.getTime();
  const slots = Math.ceil((window.end.getTime() - start) / SLOT_MS);
  const out: number[] = new Array(slots).fill(0);
  const mark = (list: [number, number][], code: number) => {
    for (const [s, e] of list)
      for (let i = Math.max(0, Math.floor((s - start) / SLOT_MS)); i < slots && start + i * SLOT_MS < e; i++)
        out[i] = Math.max(out[i], code);
  };
  mark(periods['BUSY-TENTATIVE'], 1);
  mark(periods.BUSY, 2);
  mark(periods['BUSY-UNAVAILABLE'], 3);
  return out.join('');
}
