/**
 * Migrations for URLAUTH access keys (RFC 4467): versions 68-69. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapUrlauthMigrations: Migration[] = [];
