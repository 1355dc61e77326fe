/**
 * Unit checks of the AWS adapters that need no service: EMF output (names the CDK alarms use),
 * configuration selection and its errors, and the Data API adapter's request/response mapping
 * against mocked (hand-recorded) Data API responses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { loadConfig } from '../../containers/node/config';
import { connectionString, openDatabase } from '../../containers/node/storage';
import { arrayLiteral, DataApiDatabase, mapResult } from '../../core/adapters/aws/data-api-database';
import { EmfMetrics } from '../../core/adapters/aws/emf-metrics';
import { parseS3Url } from '../../core/adapters/aws/s3-blob-store';

describe('CloudWatch EMF metrics', () => {
  test('counter deltas and gauges become EMF documents in namespace Nimbus with Stage and Role', async () => {
    const lines: string[] = [];
    const emf = new EmfMetrics({
      stage: 'prod',
      roles: ['mx', 'delivery', 'mta', 'submission'],
      write: (l) => lines.push(l),
    });
    emf.increment('messages_accepted', 3);
    emf.increment('messages_deferred', 2, { queue: 'outbound' });
    emf.increment('messages_bounced', 1, { queue: 'outbound' });
    emf.increment('auth_failures', 4);
    emf.gauge('sessions', '', () => ({ 'protocol="smtp"': 5, 'protocol="imap"': 7, 'protocol="pop3"': 1 }));
    emf.gauge('smtp_sessions', '', () => ({ 'role="mx"': 4, 'role="submission"': 1 }));
    emf.gauge('queue_depth', '', () => ({
      'queue="inbound",state="ready"': 9,
      'queue="inbound",state="leased"': 1,
    }));
    emf.gauge('queue_oldest_age_seconds', '', () => ({ 'queue="outbound"': 120 }));
    await emf.flush(1_700_000_000_000);
    const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const find = (metric: string) => docs.find((d) => metric in d)!;
    expect(find('MessagesAccepted')).toMatchObject({ Stage: 'prod', Role: 'mx', MessagesAccepted: 3 });
    expect(find('MessagesDeferred')).toMatchObject({ Role: 'mta', MessagesDeferred: 2, MessagesBounced: 1 });
    expect(find('AuthFailures')).toMatchObject({ Role: 'submission', AuthFailures: 4 });
    const smtp = docs.filter((d) => 'SessionsSmtp' in d);
    expect(smtp).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Role: 'mx', SessionsSmtp: 4 }),
        expect.objectContaining({ Role: 'submission', SessionsSmtp: 1 }),
      ]),
    );
    // Roles the node does not run send no session gauge (it would dilute that pool's Average).
    expect(docs.some((d) => 'SessionsImap' in d || 'SessionsPop3' in d)).toBe(false);
    expect(find('QueueDepth')).toMatchObject({ Role: 'delivery', Queue: 'inbound', QueueDepth: 9 });
    expect(find('QueueAgeSeconds')).toMatchObject({ Role: 'mta', Queue: 'outbound', QueueAgeSeconds: 120 });
    const aws = find('MessagesAccepted')._aws as {
      Timestamp: number;
      CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[];
    };
    expect(aws.Timestamp).toBe(1_700_000_000_000);
    expect(aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Nimbus', Dimensions: [['Stage', 'Role']] });
    // Counters are deltas: nothing new → 0 for the counters the node's roles own.
    lines.length = 0;
    await emf.flush();
    const again = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(again.find((d) => 'MessagesAccepted' in d)).toMatchObject({ Role: 'mx', MessagesAccepted: 0 });
    expect(again.find((d) => 'MessagesBounced' in d)).toMatchObject({ Role: 'mta', MessagesBounced: 0 });
    // Prometheus rendering is unchanged.
    expect(await emf.render()).toContain('nimbus_messages_accepted_total 3');
  });

  test('every metric name the CDK monitoring stack alarms on is one EMF emits', () => {
    const cdk = readFileSync(path.join(__dirname, '../../infra/stacks/monitoring-stack.ts'), 'utf8');
    const alarmed = [...cdk.matchAll(/nimbus\('(\w+)'/g)].map((m) => m[1]);
    const emf = readFileSync(path.join(__dirname, '../../core/adapters/aws/emf-metrics.ts'), 'utf8');
    expect(alarmed.length).toBeGreaterThan(0);
    for (const name of alarmed) expect(emf).toContain(`'${name}'`);
  });
});

describe('configuration selects adapters', () => {
  const env = (vars: Record<string, string>) =>
    loadConfig({ env: { NIMBUS_DATA: '/tmp/nimbus-cfg', ...vars } });

  test('NIMBUS_BLOBS, NIMBUS_SPOOL, Data API, metrics and stage settings', () => {
    const config = env({
      NIMBUS_BLOBS: 's3://nimbus-prod-blobs/blobs',
      NIMBUS_SPOOL_BLOBS: 's3://nimbus-prod-blobs/spool',
      NIMBUS_SPOOL: 'sqs://nimbus-prod',
      NIMBUS_METRICS: 'emf',
      NIMBUS_STAGE: 'prod',
      NIMBUS_DATA_API_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:1:cluster:c',
      NIMBUS_DATA_API_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:s',
      NIMBUS_DB_POOL_MAX: '20',
    });
    expect(config).toMatchObject({
      blobs: 's3://nimbus-prod-blobs/blobs',
      spool: 'sqs://nimbus-prod',
      metrics: 'emf',
      stage: 'prod',
      dataApi: { clusterArn: 'arn:aws:rds:eu-west-1:1:cluster:c', database: 'nimbus' },
      database: { maxConnections: 20 },
    });
    expect(env({}).spool).toBe('local');
    expect(parseS3Url('s3://nimbus-prod-blobs/blobs/')).toEqual({
      bucket: 'nimbus-prod-blobs',
      prefix: 'blobs',
    });
  });

  test('bad settings fail naming the setting', () => {
    expect(() => env({ NIMBUS_BLOBS: 'ftp://x' })).toThrow(/invalid setting blobs/);
    expect(() => env({ NIMBUS_SPOOL: 'sqs://' })).toThrow(/invalid setting spool/);
    expect(() => env({ NIMBUS_SPOOL: 'rabbit' })).toThrow(/invalid setting spool/);
    expect(() => env({ NIMBUS_METRICS: 'statsd' })).toThrow(/invalid setting metrics/);
    expect(() => env({ NIMBUS_DATA_API_CLUSTER_ARN: 'cluster-1' })).toThrow(
      /invalid setting dataApi.clusterArn/,
    );
  });

  test('Data API without its secret, or with DATABASE_URL too, fails at start naming the setting', async () => {
    await expect(
      openDatabase({
        dataDir: '/tmp',
        databaseUrl: undefined,
        dataApi: { clusterArn: 'arn:aws:rds:x:1:cluster:c', database: 'n' },
      }),
    ).rejects.toThrow(/invalid setting dataApi.secretArn/);
    await expect(
      openDatabase({
        dataDir: '/tmp',
        databaseUrl: 'postgres://u@h/d',
        dataApi: {
          clusterArn: 'arn:aws:rds:x:1:cluster:c',
          secretArn: 'arn:aws:secretsmanager:x',
          database: 'n',
        },
      }),
    ).rejects.toThrow(/either DATABASE_URL or NIMBUS_DATA_API_CLUSTER_ARN/);
  });

  test('DATABASE_PASSWORD is put into DATABASE_URL (as the CDK app passes them apart), URL-encoded', () => {
    expect(
      connectionString({
        databaseUrl: 'postgres://nimbus_admin@proxy:5432/nimbus?sslmode=require',
        databasePassword: 'p@ss/w:rd',
      }),
    ).toBe('postgres://nimbus_admin:p%40ss%2Fw%3Ard@proxy:5432/nimbus?sslmode=require');
    expect(connectionString({ databaseUrl: 'postgres://u:own@h/d', databasePassword: 'other' })).toBe(
      'postgres://u:own@h/d',
    );
  });
});

describe('Data API adapter with mocked Data API responses', () => {
  const target = {
    resourceArn: 'arn:aws:rds:x:1:cluster:c',
    secretArn: 'arn:aws:secretsmanager:x:1:secret:s',
    database: 'nimbus',
  };

  test('records with column metadata map to pg-like rows (recorded response shape)', () => {
    const result = mapResult<Record<string, unknown>>({
      columnMetadata: [
        { name: 'id', label: 'id', typeName: 'int8' },
        { name: 'payload', label: 'payload', typeName: 'jsonb' },
        { name: 'created_at', label: 'created_at', typeName: 'timestamptz' },
        { name: 'header_prefix', label: 'header_prefix', typeName: 'bytea' },
        { name: 'done', label: 'done', typeName: 'bool' },
        { name: 'tags', label: 'tags', typeName: '_text' },
        { name: 'last_error', label: 'last_error', typeName: 'text' },
      ],
      records: [
        [
          { longValue: 42 },
          { stringValue: '{"queueId":"Q1"}' },
          { stringValue: '2025-03-04 05:06:07.89' },
          { blobValue: new Uint8Array([1, 2]) },
          { booleanValue: true },
          { arrayValue: { stringValues: ['a', 'b'] } },
          { isNull: true },
        ],
      ],
      numberOfRecordsUpdated: 0,
    });
    expect(result.rowCount).toBe(1);
    expect(result.rows[0]).toEqual({
      id: 42,
      payload: { queueId: 'Q1' },
      created_at: new Date('2025-03-04T05:06:07.890Z'),
      header_prefix: Buffer.from([1, 2]),
      done: true,
      tags: ['a', 'b'],
      last_error: null,
    });
    expect(mapResult({ numberOfRecordsUpdated: 3 })).toEqual({ rows: [], rowCount: 3 });
  });

  test('arrays are sent as PostgreSQL array literals for the statement to cast', () => {
    expect(arrayLiteral(['a"b', 'c\\d', null, 1, Buffer.from([255])])).toBe(
      '{"a\\"b","c\\\\d",NULL,"1","\\\\xff"}',
    );
  });

  test('a serialization failure re-runs the transaction; other errors roll back once', async () => {
    let executes = 0;
    const calls: string[] = [];
    const api = {
      send: async (command: object) => {
        calls.push(command.constructor.name.replace(/Command$/, ''));
        if (command instanceof ExecuteStatementCommand && ++executes === 1) {
          throw Object.assign(new Error('ERROR: could not serialize access due to concurrent update'), {
            name: 'BadRequestException',
          });
        }
        return { transactionId: 'tx', numberOfRecordsUpdated: 1 } as never;
      },
    };
    await new DataApiDatabase(api, target).transaction((tx) => tx.query('UPDATE t SET x = 1'));
    expect(calls).toEqual([
      'BeginTransaction',
      'ExecuteStatement',
      'RollbackTransaction',
      'BeginTransaction',
      'ExecuteStatement',
      'CommitTransaction',
    ]);
  });

  test('an unavailable service surfaces as StorageUnavailableError (→ 451 / retry)', async () => {
    const api = {
      send: async () => {
        throw Object.assign(new Error('Service unavailable'), { name: 'InternalServerErrorException' });
      },
    };
    await expect(new DataApiDatabase(api, target).query('SELECT 1')).rejects.toMatchObject({
      name: 'StorageUnavailableError',
    });
  });
});
