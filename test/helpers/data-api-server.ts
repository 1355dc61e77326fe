/**
 * A stand-in RDS Data API endpoint on a loopback port, for booting the shipped Lambda bundles:
 * the Data API exists only inside AWS, so the bundles' real SDK calls (AWS_ENDPOINT_URL_RDS_DATA)
 * come here. It speaks the service's REST-JSON wire format (POST /Execute, /BeginTransaction,
 * /CommitTransaction, /RollbackTransaction; blobs as base64; errors as `x-amzn-errortype`) and
 * runs the statements with test/contracts/data-api-emulator.ts over a real PostgreSQL.
 *
 * Like the service, it refuses a request for another cluster ARN, and it reads the credentials
 * from the secret the request names (resolveSecret: the test reads it from Secrets Manager on
 * moto), so a function given the wrong ARNs fails here as it would in AWS. Not emulated: IAM,
 * size limits, timeouts, the service's exact error texts.
 */
import http from 'node:http';
import type net from 'node:net';
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { DataApiEmulator } from '../contracts/data-api-emulator';

export interface DataApiServerOptions {
  /** PostgreSQL URL without credentials (they come from the secret), e.g. postgres://127.0.0.1:5432/db. */
  databaseUrl: string;
  /** The only cluster ARN served. */
  resourceArn: string;
  /** The secret's credentials, or a rejection (unknown secret). */
  resolveSecret(secretArn: string): Promise<{ username: string; password?: string }>;
}

export interface DataApiServer {
  endpoint: string;
  /** Operation names served, in order (Execute, BeginTransaction …). */
  readonly calls: string[];
  close(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown> & { resourceArn?: string; secretArn?: string };

const OPERATIONS: Record<string, (input: never) => object> = {
  '/Execute': (input) => new ExecuteStatementCommand(input),
  '/BeginTransaction': (input) => new BeginTransactionCommand(input),
  '/CommitTransaction': (input) => new CommitTransactionCommand(input),
  '/RollbackTransaction': (input) => new RollbackTransactionCommand(input),
};

/**
 * JSON → SDK input: blob parameters arrive base64-encoded. A NULL parameter is bound untyped by
 * the service (PostgreSQL infers its type from the statement, so NULL fits a bigint column),
 * whereas the contract emulator casts every parameter: here NULLs become the literal NULL.
 */
function decodeParameters(body: Body): Body {
  const parameters = body.parameters as SqlParameter[] | undefined;
  if (!parameters) return body;
  let sql = String(body.sql ?? '');
  for (const p of parameters) {
    if (p.value?.isNull) sql = sql.replace(new RegExp(`:${p.name}(?![A-Za-z0-9_])`, 'g'), 'NULL');
  }
  return {
    ...body,
    sql,
    parameters: parameters
      .filter((p) => !p.value?.isNull)
      .map((p) =>
        p.value?.blobValue !== undefined
          ? { ...p, value: { blobValue: Buffer.from(p.value.blobValue as unknown as string, 'base64') } }
          : p,
      ),
  };
}

/** SDK output → JSON: Buffers (blobValue) become base64 strings. */
function encode(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

async function readBody(request: http.IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Body;
  } catch {
    throw new ServiceError('BadRequestException', 'request body is not JSON');
  }
}

export async function startDataApiServer(options: DataApiServerOptions): Promise<DataApiServer> {
  const calls: string[] = [];
  const emulators = new Map<string, DataApiEmulator>();
  const emulatorFor = async (secretArn: string | undefined): Promise<DataApiEmulator> => {
    if (!secretArn) throw new ServiceError('BadRequestException', 'secretArn is required');
    const known = emulators.get(secretArn);
    if (known) return known;
    const credentials = await options.resolveSecret(secretArn).catch((error: Error) => {
      throw new ServiceError('BadRequestException', `cannot read secret ${secretArn}: ${error.message}`);
    });
    const url = new URL(options.databaseUrl);
    url.username = encodeURIComponent(credentials.username);
    if (credentials.password) url.password = encodeURIComponent(credentials.password);
    const emulator = new DataApiEmulator(url.toString());
    emulators.set(secretArn, emulator);
    return emulator;
  };

  const server = http.createServer((request, response) => {
    void (async () => {
      try {
        const path = (request.url ?? '').split('?')[0];
        const operation = request.method === 'POST' ? OPERATIONS[path] : undefined;
        if (!operation) throw new ServiceError('UnknownOperationException', `${request.method} ${path}`, 404);
        const body = await readBody(request);
        calls.push(path.slice(1));
        if (body.resourceArn !== options.resourceArn)
          throw new ServiceError(
            'BadRequestException',
            `Database cluster ${String(body.resourceArn)} not found`,
          );
        const emulator = await emulatorFor(body.secretArn);
        const output = await emulator
          .send(operation(decodeParameters(body) as never))
          .catch((error: Error) => {
            throw new ServiceError(
              error.name === 'NotFoundException' ? 'NotFoundException' : 'BadRequestException',
              error.message,
            );
          });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(encode(output)));
      } catch (error) {
        const e =
          error instanceof ServiceError
            ? error
            : new ServiceError('InternalServerErrorException', String(error), 500);
        response.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type });
        response.end(JSON.stringify({ message: e.message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const emulator of emulators.values()) await emulator.close();
    },
  };
}
