/**
 * The three Route 53 calls DNS-01 needs, sent as SigV4-signed REST-XML requests with the SDK's
 * own signer and default credential chain. (This repository does not install
 * @aws-sdk/client-route-53; swapping this file for it changes nothing else.) The endpoint is the
 * SDK's standard setting: AWS_ENDPOINT_URL_ROUTE_53, else AWS_ENDPOINT_URL, else Route 53's
 * global endpoint; Route 53 signs in us-east-1.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import {
  changeBatchXml,
  parseChangeInfo,
  parseErrorXml,
  parseTxtRecordSets,
  type ChangeInfo,
  type TxtRecordSet,
} from './route53-xml';

export interface Route53Api {
  listTxt(zoneId: string, name: string): Promise<TxtRecordSet | undefined>;
  change(zoneId: string, action: 'UPSERT' | 'DELETE', record: TxtRecordSet): Promise<ChangeInfo>;
  getChange(changeId: string): Promise<ChangeInfo>;
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** node:crypto as the signer's SHA-256 / HMAC-SHA-256 (what @smithy/hash-node does). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const API = '/2013-04-01';

export class Route53HttpApi implements Route53Api {
  private readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly timeoutMs: number;

  constructor(
    options: {
      endpoint?: string;
      credentials?: AwsCredentialIdentityProvider;
      requestTimeoutMs?: number;
    } = {},
  ) {
    this.endpoint = new URL(
      options.endpoint ??
        process.env.AWS_ENDPOINT_URL_ROUTE_53 ??
        process.env.AWS_ENDPOINT_URL ??
        'https://route53.amazonaws.com',
    );
    this.signer = new SignatureV4({
      service: 'route53',
      region: 'us-east-1',
      credentials: options.credentials ?? defaultProvider(),
      sha256: NodeSha256,
    });
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async listTxt(zoneId: string, name: string): Promise<TxtRecordSet | undefined> {
    const xml = await this.request('GET', `${API}/hostedzone/${bareZoneId(zoneId)}/rrset`, {
      name,
      type: 'TXT',
      maxitems: '1',
    });
    return parseTxtRecordSets(xml).find((set) => sameName(set.name, name));
  }

  async change(zoneId: string, action: 'UPSERT' | 'DELETE', record: TxtRecordSet): Promise<ChangeInfo> {
    const body = changeBatchXml(action, record, 'nimbus ACME DNS-01 challenge');
    return parseChangeInfo(
      await this.request('POST', `${API}/hostedzone/${bareZoneId(zoneId)}/rrset/`, {}, body),
    );
  }

  async getChange(changeId: string): Promise<ChangeInfo> {
    return parseChangeInfo(await this.request('GET', `${API}/change/${changeId}`, {}));
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string>,
    body?: string,
  ): Promise<string> {
    const headers: Record<string, string> = { host: this.endpoint.host };
    if (body !== undefined) headers['content-type'] = 'text/xml';
    const signed = await this.signer.sign({
      method,
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      path,
      query,
      headers,
      body,
    });
    const url = new URL(path, this.endpoint);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method,
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Route 53 ${method} ${path}: ${parseErrorXml(text)}`);
    return text;
  }
}

export function bareZoneId(zoneId: string): string {
  return zoneId.replace(/^\/?hostedzone\//, '');
}

export function absoluteName(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

function sameName(a: string, b: string): boolean {
  return absoluteName(a) === absoluteName(b);
}
