/**
 * The migrations from version 110 on, gathered here so core/db/migrations.ts stays one screenful
 * of the older schema: Sieve (110–114), mailing lists (120–136), held mail and relay domains
 * (140–141), outbound limits (150). Same dialect rules as migrations.ts.
 */
import { heldMailMigrations } from './migrations-held-mail';
import { allListMigrations } from './migrations-lists-all';
import { outboundMigrations } from './migrations-outbound';
import { sieveMigrations } from './migrations-sieve';
import type { Migration } from './migrations';

export const migrationsFrom110: Migration[] = [
  ...sieveMigrations,
  ...allListMigrations,
  ...heldMailMigrations,
  ...outboundMigrations,
];
