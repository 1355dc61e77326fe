/** RelayDomainRouting.targets: deliver_to, and MX hosts more preferred than ourselves (RFC 5321 §5.1). */
import { OverrideResolver } from '../../../core/adapters/dns/override-resolver';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { RelayDomainStore } from '../../../core/relay-domains/relay-domain-store';
import { RelayDomainRouting } from '../../../core/relay-domains/relay-routing';
import { RelayFailure } from '../../../core/relay/reply-classification';
import { HeldMail } from '../../../core/spool/held-mail';

let db: PgliteDatabase;
let routing: RelayDomainRouting;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const store = new RelayDomainStore(db, 0);
  const base = { mode: 'backup' as const, etrnNetworks: [], etrnOwner: null, recipients: [] };
  await store.put({ ...base, name: 'direct.test', deliverTo: '192.0.2.1:2525' });
  await store.put({ ...base, name: 'mx.test', deliverTo: null });
  await store.put({ ...base, name: 'only-us.test', deliverTo: null });
  // Preferences 0, 10, 20 in this order; we are "localhost" at 10.
  const resolver = new OverrideResolver({
    'mx.test': ['127.0.0.1:2600', 'localhost:25', '127.0.0.2:2700'],
    'only-us.test': ['localhost:25'],
  });
  routing = new RelayDomainRouting(store, new HeldMail(db), ['LOCALHOST.'], resolver);
});

afterAll(async () => {
  await db.close();
});

describe('RelayDomainRouting.targets', () => {
  it('is null for other domains and deliver_to when set', async () => {
    expect(await routing.targets('elsewhere.test')).toBeNull();
    expect(await routing.targets('direct.test')).toEqual([
      { host: '192.0.2.1', address: '192.0.2.1', port: 2525, priority: 0 },
    ]);
  });

  it('keeps only MX hosts more preferred than ourselves', async () => {
    const targets = await routing.targets('mx.test');
    expect(targets?.map((t) => `${t.address}:${t.port}`)).toEqual(['127.0.0.1:2600']);
  });

  it('leaves domains without deliver_to to a configured smarthost', async () => {
    expect(await routing.targets('mx.test', true)).toBeNull();
    expect(await routing.targets('direct.test', true)).toHaveLength(1);
  });

  it('fails temporarily when we are the best MX host', async () => {
    await expect(routing.targets('only-us.test')).rejects.toThrow(RelayFailure);
    await expect(routing.targets('only-us.test')).rejects.toThrow(/other than ourselves/);
  });
});
