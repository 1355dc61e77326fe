/**
 * The scheduling hook (RFC 6638, built in core/pim/scheduling/ by the CalDAV semantics work):
 * called after a calendar object changes, when that module is present. Loaded lazily by a path
 * the compiler does not resolve, so this file builds before the module exists.
 */
import type { Account } from '../../core/directory/types';
import type { StoredCollection } from '../../core/pim/pim-store';
import type { PimObject } from '../../core/pim/types';
import type { DavContext } from './context';

type Hook = (
  ctx: DavContext['web'] & { store: DavContext['store'] },
  change: {
    account: Account;
    collection: StoredCollection;
    before: PimObject | null;
    after: PimObject | null;
  },
) => Promise<void>;

let loaded: Promise<Hook | null> | null = null;

function load(): Promise<Hook | null> {
  const modulePath = '../../core/pim/scheduling';
  loaded ??= import(modulePath).then(
    (m: { onCalendarObjectChanged?: Hook }) => m.onCalendarObjectChanged ?? null,
    () => null,
  );
  return loaded;
}

export async function afterCalendarChange(
  dav: DavContext,
  account: Account,
  collection: StoredCollection,
  before: PimObject | null,
  after: PimObject | null,
): Promise<void> {
  const hook = await load();
  if (hook) await hook({ ...dav.web, store: dav.store }, { account, collection, before, after });
}
