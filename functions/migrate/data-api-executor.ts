/**
 * The migration function's executor is the full Data API adapter of the SQL port
 * (core/adapters/aws/data-api-database.ts); these names stay for existing imports.
 */
export {
  DataApiDatabase as DataApiExecutor,
  toParameter,
  type DataApiTarget,
} from '../../core/adapters/aws/data-api-database';
