/**
 * The three Route 53 calls DNS-01 needs, through @aws-sdk/client-route-53. Route53TxtRecords
 * depends on the narrow Route53Api below, not on the client, so its logic (serialising edits,
 * waiting for INSYNC) is tested over an in-memory zone. Region, credentials and endpoint come from
 * the SDK's own configuration (AWS_ENDPOINT_URL_ROUTE_53 / AWS_ENDPOINT_URL reach moto).
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ChangeInfo as SdkChangeInfo,
} from '@aws-sdk/client-route-53';
import { clientConfig, type AwsClientOptions } from './aws-requests';

export interface TxtRecordSet {
  name: string;
  ttl: number;
  /** The record's values as Route 53 shows them: quoted character strings, e.g. `"abc"`. */
  values: string[];
}

export interface ChangeInfo {
  /** The bare change id (without `/change/`). */
  id: string;
  status: 'PENDING' | 'INSYNC' | string;
}

export interface Route53Api {
  listTxt(zoneId: string, name: string): Promise<TxtRecordSet | undefined>;
  change(zoneId: string, action: 'UPSERT' | 'DELETE', record: TxtRecordSet): Promise<ChangeInfo>;
  getChange(changeId: string): Promise<ChangeInfo>;
}

export function route53Client(options: AwsClientOptions = {}): Route53Client {
  return new Route53Client(clientConfig(options));
}

export class Route53SdkApi implements Route53Api {
  constructor(private readonly client: Route53Client = route53Client()) {}

  async listTxt(zoneId: string, name: string): Promise<TxtRecordSet | undefined> {
    // Record sets are listed in order from (name, type): the first one is ours if it exists.
    const out = await this.call('ListResourceRecordSets', () =>
      this.client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: bareZoneId(zoneId),
          StartRecordName: name,
          StartRecordType: 'TXT',
          MaxItems: 1,
        }),
      ),
    );
    const set = out.ResourceRecordSets?.find((s) => s.Type === 'TXT' && sameName(s.Name ?? '', name));
    if (!set) return undefined;
    return {
      name: set.Name!,
      ttl: set.TTL ?? 300,
      values: (set.ResourceRecords ?? []).map((r) => r.Value ?? ''),
    };
  }

  async change(zoneId: string, action: 'UPSERT' | 'DELETE', record: TxtRecordSet): Promise<ChangeInfo> {
    const out = await this.call('ChangeResourceRecordSets', () =>
      this.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: bareZoneId(zoneId),
          ChangeBatch: {
            Comment: 'nimbus ACME DNS-01 challenge',
            Changes: [
              {
                Action: action,
                ResourceRecordSet: {
                  Name: record.name,
                  Type: 'TXT',
                  TTL: record.ttl,
                  ResourceRecords: record.values.map((Value) => ({ Value })),
                },
              },
            ],
          },
        }),
      ),
    );
    return changeInfo(out.ChangeInfo);
  }

  async getChange(changeId: string): Promise<ChangeInfo> {
    const out = await this.call('GetChange', () => this.client.send(new GetChangeCommand({ Id: changeId })));
    return changeInfo(out.ChangeInfo);
  }

  /** Names the operation in the error (the SDK's own message is only e.g. "No hosted zone found"). */
  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw new Error(`Route 53 ${operation}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`, {
        cause: error,
      });
    }
  }
}

function changeInfo(info: SdkChangeInfo | undefined): ChangeInfo {
  if (!info?.Id || !info.Status) throw new Error('Route 53 answered without a ChangeInfo');
  return { id: info.Id.replace(/^\/change\//, ''), status: info.Status };
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
