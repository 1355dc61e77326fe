/**
 * Calendars, address books and task lists of the PIM store (core/pim) as ActiveSync folders:
 * the first calendar with events is the default Calendar (8), the first address book the
 * default Contacts (9), the first task-only calendar the default Tasks (7); the others are user
 * folders (13, 14, 15). ServerIds "c<id>" and "a<id>" never collide with mail's "m<id>".
 * Only the shape of the store is needed, so this file does not depend on its implementation.
 */
import { FolderType, type EasFolder, type PimFolderSource } from './folders';

/** The two homes of an account in the PIM store. */
export type PimHomeName = 'calendars' | 'addressbooks';

/** The fields of a PIM collection used here (core/pim/types.ts PimCollection has them). */
export interface PimCollectionView {
  id: number;
  kind: string;
  name: string;
  displayName: string;
  components: readonly string[];
}

export interface PimCollections {
  collections(accountId: number, home: PimHomeName): Promise<PimCollectionView[]>;
}

export const calendarServerId = (id: number) => `c${id}`;
export const addressBookServerId = (id: number) => `a${id}`;

export function pimFolders(calendars: PimCollectionView[], addressBooks: PimCollectionView[]): EasFolder[] {
  const out: EasFolder[] = [];
  let calendar = false;
  let tasks = false;
  for (const c of calendars.filter((x) => x.kind === 'calendar')) {
    const events = c.components.length === 0 || c.components.includes('VEVENT');
    const onlyTasks = !events && c.components.includes('VTODO');
    if (!events && !onlyTasks) continue;
    let type: number;
    if (onlyTasks) {
      type = tasks ? FolderType.UserTasks : FolderType.Tasks;
      tasks = true;
    } else {
      type = calendar ? FolderType.UserCalendar : FolderType.Calendar;
      calendar = true;
    }
    out.push({ serverId: calendarServerId(c.id), parentId: '0', displayName: c.displayName || c.name, type });
  }
  let contacts = false;
  for (const a of addressBooks.filter((x) => x.kind === 'addressbook')) {
    out.push({
      serverId: addressBookServerId(a.id),
      parentId: '0',
      displayName: a.displayName || a.name,
      type: contacts ? FolderType.UserContacts : FolderType.Contacts,
    });
    contacts = true;
  }
  return out;
}

/** The PimFolderSource of a PIM store (e.g. `pimFolderSource(new PimStore(db, events))`). */
export function pimFolderSource(store: PimCollections): PimFolderSource {
  return {
    async folders(accountId) {
      const [calendars, addressBooks] = await Promise.all([
        store.collections(accountId, 'calendars'),
        store.collections(accountId, 'addressbooks'),
      ]);
      return pimFolders(calendars, addressBooks);
    },
  };
}
