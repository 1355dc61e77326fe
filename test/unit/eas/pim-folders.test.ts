import {
  pimFolders,
  pimFolderSource,
  type PimCollectionView,
  type PimHomeName,
} from '../../../core/eas/pim-folders';

/** PIM collections as ActiveSync folders: the first of each kind is the default folder. */
function collection(
  id: number,
  _home: PimHomeName,
  kind: string,
  components: string[] = [],
): PimCollectionView {
  return { id, kind, name: `n${id}`, displayName: id === 1 ? 'Personal' : '', components };
}

describe('PIM folders for ActiveSync', () => {
  it('types the first calendar, task list and address book as defaults, the rest as user folders', () => {
    const folders = pimFolders(
      [
        collection(1, 'calendars', 'calendar', ['VEVENT', 'VTODO']),
        collection(2, 'calendars', 'calendar', ['VTODO']),
        collection(3, 'calendars', 'calendar', ['VEVENT']),
        collection(4, 'calendars', 'calendar', ['VTODO']),
        collection(5, 'calendars', 'schedule-inbox'),
        collection(6, 'calendars', 'calendar', ['VJOURNAL']),
      ],
      [collection(7, 'addressbooks', 'addressbook'), collection(8, 'addressbooks', 'addressbook')],
    );
    expect(folders.map((f) => [f.serverId, f.type, f.displayName])).toEqual([
      ['c1', 8, 'Personal'],
      ['c2', 7, 'n2'],
      ['c3', 13, 'n3'],
      ['c4', 15, 'n4'],
      ['a7', 9, 'n7'],
      ['a8', 14, 'n8'],
    ]);
    expect(folders.every((f) => f.parentId === '0')).toBe(true);
  });

  it('reads both homes of the account from the store', async () => {
    const asked: [number, PimHomeName][] = [];
    const source = pimFolderSource({
      async collections(accountId, home) {
        asked.push([accountId, home]);
        return home === 'calendars'
          ? [collection(1, home, 'calendar', ['VEVENT'])]
          : [collection(2, home, 'addressbook')];
      },
    });
    expect((await source.folders(42)).map((f) => f.serverId)).toEqual(['c1', 'a2']);
    expect(asked.sort()).toEqual([
      [42, 'addressbooks'],
      [42, 'calendars'],
    ]);
  });
});
