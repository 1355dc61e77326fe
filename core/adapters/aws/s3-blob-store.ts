/**
 * The BlobStore port on Amazon S3.
 *
 * Keys are content-addressed like the file adapter's paths: PREFIX/ab/cd/<sha256>. Two prefix
 * levels cost nothing on S3 (it partitions on key prefixes by itself) but keep listings, the
 * inventory and `aws s3 ls` usable, and make a bucket and an EFS tree the same shape.
 *
 * put: PutObject with ChecksumSHA256 (S3 verifies the bytes; the 200 means stored redundantly),
 * or a multipart upload (lib-storage) above `multipartThreshold`. Server-side encryption: aws:kms
 * with the configured key (bucket keys keep KMS calls low), else no SSE header at all, so that the
 * bucket's default encryption applies (an explicit AES256 would override a KMS default, and the
 * deployed bucket policy refuses it: infra/stacks/data-buckets.ts). No HeadObject before the
 * PUT: mail bytes are practically never identical (every copy has its own Received: header), so a
 * HEAD would add a request to almost every accept to save one on almost none.
 *
 * Reference counts and garbage collection stay in SQL (core/store/blob-refs.ts) and apply
 * unchanged: the collector deletes under the row lock, writers re-check with exists() (HEAD)
 * after their reference commits.
 */
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobNotFoundError, type BlobInfo, type BlobStore } from '../../ports/blob-store';
import { StorageUnavailableError } from '../../ports/sql';
import { clientConfig, isUnavailable, type AwsClientOptions } from './aws-requests';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  prefix: string;
}

/** Parses `s3://BUCKET/PREFIX` (the NIMBUS_BLOBS / NIMBUS_SPOOL_BLOBS form). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`expected s3://BUCKET/PREFIX, got ${url}`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export interface S3BlobStoreOptions extends AwsClientOptions {
  location: S3Location;
  /**
   * KMS key ARN for SSE-KMS (the deployed bucket policy only admits the bucket key's ARN); without
   * it no SSE header is sent and the bucket's default encryption applies.
   */
  kmsKeyId?: string;
  /** Bytes above which put() uses a multipart upload (default 8 MiB). */
  multipartThreshold?: number;
  partSize?: number;
  /** An existing client (tests); otherwise one is built from the SDK's standard settings. */
  client?: S3Client;
}

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.client =
      options.client ??
      // forcePathStyle only when an endpoint override (emulator, VPC endpoint by URL) is configured.
      new S3Client({ ...clientConfig(options), forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });
    options.counter?.instrument(this.client, 's3');
    this.bucket = options.location.bucket;
    this.prefix = options.location.prefix;
    this.multipartThreshold = options.multipartThreshold ?? 8 * 1024 * 1024;
    this.partSize = Math.max(5 * 1024 * 1024, options.partSize ?? 8 * 1024 * 1024);
  }

  get description(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  keyOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`invalid blob key ${key}`);
    const path = `${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`;
    return this.prefix ? `${this.prefix}/${path}` : path;
  }

  async put(data: Buffer): Promise<BlobInfo> {
    const digest = createHash('sha256').update(data).digest();
    const key = digest.toString('hex');
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.keyOf(key),
      Body: data,
      ContentType: 'message/rfc822',
      ...s3Encryption(this.options.kmsKeyId),
    };
    try {
      if (data.length > this.multipartThreshold) {
        // Per-part SHA-256 checksums; the SDK computes and S3 verifies each part.
        const upload = new Upload({
          client: this.client,
          params: { ...input, ChecksumAlgorithm: 'SHA256' },
          partSize: this.partSize,
          queueSize: 4,
          leavePartsOnError: false,
        });
        await upload.done();
      } else {
        await this.client.send(new PutObjectCommand({ ...input, ChecksumSHA256: digest.toString('base64') }));
      }
    } catch (error) {
      throw new StorageUnavailableError(`blob store write failed: ${describe(error)}`, { cause: error });
    }
    return { key, size: data.length };
  }

  async get(key: string): Promise<Buffer> {
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }),
      );
      return Buffer.from(await output.Body!.transformToByteArray());
    } catch (error) {
      throw mapReadError(key, error);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) {
      // A zero-length range has no HTTP form; still report a missing blob like the file adapter.
      if (!(await this.exists(key))) throw new BlobNotFoundError(key);
      return Buffer.alloc(0);
    }
    try {
      const output = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          Range: `bytes=${start}-${end - 1}`,
        }),
      );
      return Buffer.from(await output.Body!.transformToByteArray());
    } catch (error) {
      // Start beyond the end of the object: S3 answers 416; the port returns what exists (nothing).
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        return Buffer.alloc(0);
      }
      throw mapReadError(key, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new StorageUnavailableError(`blob store check failed: ${describe(error)}`, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw new StorageUnavailableError(`blob store delete failed: ${describe(error)}`, { cause: error });
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw new StorageUnavailableError(`blob bucket ${this.bucket} unavailable: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** `--create-missing` (dev and tests): creates the bucket if it does not exist. */
  async createBucketIfMissing(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return false;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    return true;
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** The SSE headers of every PutObject: the bucket's KMS key, or none (the bucket default applies). */
export function s3Encryption(
  kmsKeyId: string | undefined,
): Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled'> {
  return kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true } : {};
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NoSuchKey' ||
    e.name === 'NotFound' ||
    e.name === 'NoSuchBucket' ||
    e.$metadata?.httpStatusCode === 404
  );
}

function mapReadError(key: string, error: unknown): Error {
  if (isNotFound(error)) return new BlobNotFoundError(key);
  return new StorageUnavailableError(`blob store read failed: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return isUnavailable(error)
    ? `${e.name ?? 'Error'}: ${e.message ?? ''} (service unavailable)`
    : `${e.name ?? 'Error'}: ${e.message ?? ''}`;
}
