/**
 * DNS-01 challenge records in a Route 53 hosted zone. Adding or removing a value reads the TXT
 * record set, edits its values and writes it back (UPSERT, or DELETE for the last value). An add
 * waits until Route 53 reports the change INSYNC on all its name servers, so the CA can be told
 * to validate at once; a removal does not wait (nothing depends on it). Edits of one name are
 * serialised (a name and its wildcard share one record); different names proceed concurrently,
 * as acme-client prepares them, so an order waits for INSYNC about once, not once per name.
 */
import type { DnsTxtRecords } from '../../ports/dns-records';
import { absoluteName, type Route53Api } from './route53-api';

export interface Route53TxtOptions {
  /** TTL of challenge records (short: a retried order must not see a stale value). */
  ttlSeconds?: number;
  /** How often to ask whether a change is INSYNC, and for how long. */
  pollMs?: number;
  timeoutMs?: number;
}

const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export class Route53TxtRecords implements DnsTxtRecords {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly api: Route53Api,
    private readonly zoneId: string,
    private readonly options: Route53TxtOptions = {},
  ) {}

  addTxt(name: string, value: string): Promise<void> {
    return this.serialise(name, () => this.edit(name, (values) => [...values, quote(value)], true));
  }

  removeTxt(name: string, value: string): Promise<void> {
    return this.serialise(name, () =>
      this.edit(name, (values) => values.filter((v) => v !== quote(value)), false),
    );
  }

  private serialise(name: string, step: () => Promise<void>): Promise<void> {
    const key = absoluteName(name);
    const run = (this.queues.get(key) ?? Promise.resolve()).then(step, step);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  private async edit(name: string, change: (values: string[]) => string[], wait: boolean): Promise<void> {
    const fqdn = absoluteName(name);
    const current = await this.api.listTxt(this.zoneId, fqdn);
    const before = current?.values ?? [];
    const after = [...new Set(change(before))];
    if (after.length === before.length && after.every((v, i) => v === before[i])) return;
    const info =
      after.length > 0
        ? await this.api.change(this.zoneId, 'UPSERT', {
            name: fqdn,
            ttl: this.options.ttlSeconds ?? 60,
            values: after,
          })
        : await this.api.change(this.zoneId, 'DELETE', current!);
    if (wait) await this.waitInSync(info.id, info.status);
  }

  private async waitInSync(changeId: string, status: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 180_000);
    while (status !== 'INSYNC') {
      if (Date.now() > deadline) throw new Error(`Route 53 change ${changeId} not INSYNC in time`);
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 2000));
      status = (await this.api.getChange(changeId)).status;
    }
  }
}
