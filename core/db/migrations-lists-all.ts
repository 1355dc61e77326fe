import type { Migration } from './migrations';
import { listMigrations } from './migrations-lists';
import { listsArchiveMigrations } from './migrations-lists-archive';
import { listPostingMigrations } from './migrations-lists-posting';

/** Every mailing-list migration (core/lists): the directory (120s), posting (130s), archive and digests (135+). */
export const allListMigrations: Migration[] = [
  ...listMigrations,
  ...listPostingMigrations,
  ...listsArchiveMigrations,
];
