/**
 * Deploy-time schema migration (a CDK trigger in the Data stack runs it after the Aurora cluster
 * and again whenever the bundled migrations change). Runs core/db migrations over the RDS Data
 * API, so it needs no VPC access. A failure fails the deployment; the migration transaction is
 * rolled back.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiDatabase } from '../../core/adapters/aws/data-api-database';
import { runMigrations } from '../../core/db/migrate';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

export async function handler(): Promise<{ applied: number[] }> {
  const db = new DataApiDatabase(new RDSDataClient({}), {
    resourceArn: required('DATABASE_CLUSTER_ARN'),
    secretArn: required('DATABASE_SECRET_ARN'),
    database: required('DATABASE_NAME'),
  });
  const applied = await runMigrations(db);
  console.log(JSON.stringify({ msg: 'migrations applied', applied }));
  return { applied };
}
