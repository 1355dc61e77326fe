/**
 * The Route 53 TXT adapter's own logic over an in-memory Route53Api: moto (used by
 * test/integration/acme-pebble.test.ts) answers every change INSYNC at once, so the wait for
 * PENDING → INSYNC can only be exercised here. The SDK calls themselves run against moto there.
 */
import type { Route53Api, TxtRecordSet } from '../../../core/adapters/aws/route53-api';
import { Route53TxtRecords } from '../../../core/adapters/aws/route53-txt-records';

class MemoryRoute53 implements Route53Api {
  records = new Map<string, TxtRecordSet>();
  changes = new Map<string, number>(); // id → GetChange calls left before INSYNC
  log: string[] = [];
  constructor(private readonly pendingPolls: number) {}
  async listTxt(_zone: string, name: string) {
    return this.records.get(name);
  }
  async change(_zone: string, action: 'UPSERT' | 'DELETE', record: TxtRecordSet) {
    this.log.push(`${action} ${record.name} ${record.values.join(' ')}`);
    if (action === 'UPSERT') this.records.set(record.name, record);
    else this.records.delete(record.name);
    const id = `C${this.changes.size + 1}`;
    this.changes.set(id, this.pendingPolls);
    return { id, status: this.pendingPolls > 0 ? 'PENDING' : 'INSYNC' };
  }
  async getChange(id: string) {
    const left = this.changes.get(id)! - 1;
    this.changes.set(id, left);
    this.log.push(`GetChange ${id}`);
    return { id, status: left > 0 ? 'PENDING' : 'INSYNC' };
  }
}

it('waits until a change is INSYNC before resolving', async () => {
  const api = new MemoryRoute53(3);
  const records = new Route53TxtRecords(api, 'Z1', { pollMs: 1 });
  await records.addTxt('_acme-challenge.mail.example.test', 'token');
  expect(api.log).toEqual([
    'UPSERT _acme-challenge.mail.example.test. "token"',
    'GetChange C1',
    'GetChange C1',
    'GetChange C1',
  ]);
  expect(api.changes.get('C1')).toBe(0);
});

it('edits different names concurrently, and does not wait for a removal to be INSYNC', async () => {
  const api = new MemoryRoute53(2);
  const records = new Route53TxtRecords(api, 'Z1', { pollMs: 1 });
  await Promise.all([
    records.addTxt('_acme-challenge.a.test', 'x'),
    records.addTxt('_acme-challenge.b.test', 'y'),
  ]);
  // Both changes were submitted before either was INSYNC.
  expect(api.log.slice(0, 2).sort()).toEqual([
    'UPSERT _acme-challenge.a.test. "x"',
    'UPSERT _acme-challenge.b.test. "y"',
  ]);
  api.log = [];
  await records.removeTxt('_acme-challenge.a.test', 'x');
  expect(api.log).toEqual(['DELETE _acme-challenge.a.test. "x"']);
});

it('gives up when a change stays PENDING past the timeout', async () => {
  const records = new Route53TxtRecords(new MemoryRoute53(1_000_000), 'Z1', { pollMs: 1, timeoutMs: 20 });
  await expect(records.addTxt('_acme-challenge.x.test', 'v')).rejects.toThrow(/not INSYNC/);
});

it('keeps other values of a shared record and deletes it with its last value', async () => {
  const api = new MemoryRoute53(0);
  const records = new Route53TxtRecords(api, 'Z1', { ttlSeconds: 30 });
  await Promise.all([
    records.addTxt('_acme-challenge.example.test', 'a'),
    records.addTxt('_acme-challenge.example.test', 'b'),
  ]);
  await records.removeTxt('_acme-challenge.example.test', 'a');
  await records.removeTxt('_acme-challenge.example.test', 'b');
  expect(api.log).toEqual([
    'UPSERT _acme-challenge.example.test. "a"',
    'UPSERT _acme-challenge.example.test. "a" "b"',
    'UPSERT _acme-challenge.example.test. "b"',
    'DELETE _acme-challenge.example.test. "b"',
  ]);
});
