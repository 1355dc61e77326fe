/**
 * The scheduling hook (RFC 6638, core/pim/scheduling): after a calendar object changes, implicit
 * iTIP to the attendees (local inboxes, iMIP mail for remote ones). A scheduling failure does not
 * fail the PUT/DELETE, which is already stored (RFC 6638 lets delivery status be reported later).
 */
import type { Account } from '../../core/directory/types';
import { onCalendarObjectChanged } from '../../core/pim/scheduling';
import type { StoredCollection } from '../../core/pim/pim-store';
import type { PimObject } from '../../core/pim/types';
import type { DavContext } from './context';

export async function afterCalendarChange(
  dav: DavContext,
  account: Account,
  collection: StoredCollection,
  before: PimObject | null,
  after: PimObject | null,
): Promise<void> {
  await onCalendarObjectChanged(
    { store: dav.store, directory: dav.web.directory, acceptor: dav.web.acceptor },
    { account: { id: account.id, address: account.address }, collection, before, after },
  ).catch(() => undefined);
}
