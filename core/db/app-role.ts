/**
 * The database role the mail nodes use (migration 50): data access only — no DDL, no role
 * management. Migrations run as the owner (the master user on Aurora, through the migrate
 * function); on Aurora the role logs in with IAM tokens (`rds_iam`), so no password exists.
 */
export const APP_DATABASE_ROLE = 'nimbus_app';
