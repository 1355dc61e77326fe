/**
 * Migrations for per-message IMAP data (SAVEDATE, PREVIEW, OBJECTID, expunge retention): versions 60-63. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapMessagesMigrations: Migration[] = [];
