/**
 * Migrations for mailbox and server METADATA (RFC 5464): versions 70-71. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapMetadataMigrations: Migration[] = [];
