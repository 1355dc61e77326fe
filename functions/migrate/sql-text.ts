/** Moved to core/adapters/aws/sql-text.ts (the Data API adapter owns it); kept for existing imports. */
export { splitStatements, toNamedParameters } from '../../core/adapters/aws/sql-text';
