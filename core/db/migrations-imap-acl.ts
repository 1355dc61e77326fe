/**
 * Migrations for mailbox ACLs and shared mailboxes (RFC 4314): versions 64-67. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapAclMigrations: Migration[] = [];
