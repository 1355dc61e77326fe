/**
 * Counts the HTTP requests the AWS adapters send (every attempt, retries included: that is what
 * AWS bills). Exposed as the s3_requests / sqs_requests gauges and used by the AWS benchmark to
 * report requests per delivered message.
 */
import type { MiddlewareStack } from '@smithy/types';

export type AwsService = 's3' | 'sqs' | 'rds-data';

export class AwsRequestCounter {
  readonly total: Record<AwsService, number> = { s3: 0, sqs: 0, 'rds-data': 0 };
  readonly byOperation = new Map<string, number>();

  record(service: AwsService, operation: string): void {
    this.total[service]++;
    const key = `${service}:${operation}`;
    this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
  }

  /** Adds a middleware that counts each attempt (it runs inside the SDK's retry loop). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  instrument<C extends { middlewareStack: MiddlewareStack<any, any> }>(client: C, service: AwsService): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.record(service, String(context.commandName ?? 'unknown').replace(/Command$/, ''));
        return next(args);
      },
      { step: 'deserialize', name: `nimbusRequestCounter-${service}`, override: true },
    );
    return client;
  }

  snapshot(): { s3: number; sqs: number; 'rds-data': number; operations: Record<string, number> } {
    return { ...this.total, operations: Object.fromEntries(this.byOperation) };
  }
}

/** Settings shared by the AWS clients: everything else (region, endpoints, credentials) comes from the SDK's own configuration. */
export interface AwsClientOptions {
  /** Connection establishment timeout per request. */
  connectTimeoutMs?: number;
  /** Whole-request timeout (a slow service counts as unavailable: SMTP answers 451). */
  requestTimeoutMs?: number;
  /** SDK attempts per call (standard retry mode, exponential backoff with jitter). */
  maxAttempts?: number;
  counter?: AwsRequestCounter;
}

export function clientConfig(options: AwsClientOptions): {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  return {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // A slow service is an unavailable one: fail the call (→ 451 / retry) rather than wait on.
      throwOnRequestTimeout: true,
    },
  };
}

/** True when the error is the service being unreachable, slow or failing (not a caller mistake). */
export function isUnavailable(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e.$retryable) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|TimeoutError|RequestTimeout|socket hang up|NetworkingError|AbortError/i.test(
    `${e.name ?? ''} ${e.code ?? ''} ${(error as Error)?.message ?? ''}`,
  );
}
