/** RelayDomainStore over PGlite: validation, upsert, recipient verdicts, ETRN permissions. */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import {
  RelayDomainError,
  RelayDomainStore,
  mayStartQueue,
  parseHostPort,
} from '../../../core/relay-domains/relay-domain-store';

let db: PgliteDatabase;
let store: RelayDomainStore;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  store = new RelayDomainStore(db, 0);
});

afterAll(async () => {
  await db.close();
});

const base = { mode: 'hold' as const, deliverTo: null, etrnNetworks: [], etrnOwner: null, recipients: [] };

describe('RelayDomainStore', () => {
  it('adds, replaces, lists and removes relay domains', async () => {
    await store.put({
      ...base,
      name: 'Relay.Test',
      deliverTo: '127.0.0.1:2525',
      etrnNetworks: ['10.0.0.0/8'],
    });
    expect(await store.get('relay.test')).toEqual({
      ...base,
      name: 'relay.test',
      deliverTo: { host: '127.0.0.1', port: 2525 },
      etrnNetworks: ['10.0.0.0/8'],
    });
    await store.put({ ...base, name: 'relay.test', mode: 'backup', etrnOwner: 'Own@Nimbus.test' });
    expect(await store.get('relay.test')).toMatchObject({
      mode: 'backup',
      deliverTo: null,
      etrnOwner: 'own@nimbus.test',
    });
    await store.put({ ...base, name: 'b.test' });
    expect((await store.list()).map((d) => d.name)).toEqual(['b.test', 'relay.test']);
    expect(await store.remove('b.test')).toBe(true);
    expect(await store.remove('b.test')).toBe(false);
  });

  it('refuses bad names, modes, targets, networks and foreign recipients', async () => {
    await expect(store.put({ ...base, name: 'not a domain' })).rejects.toThrow(RelayDomainError);
    await expect(store.put({ ...base, name: 'x.test', mode: 'relay' as 'hold' })).rejects.toThrow(
      RelayDomainError,
    );
    await expect(store.put({ ...base, name: 'x.test', deliverTo: 'host' })).rejects.toThrow(RelayDomainError);
    await expect(store.put({ ...base, name: 'x.test', etrnNetworks: ['10.0.0.0/99'] })).rejects.toThrow(
      RelayDomainError,
    );
    await expect(store.put({ ...base, name: 'x.test', recipients: ['a@other.test'] })).rejects.toThrow(
      RelayDomainError,
    );
    expect(parseHostPort('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(() => parseHostPort('h:0')).toThrow(RelayDomainError);
  });

  it('verifies recipients against the list (empty: all) and says when a domain is not a relay domain', async () => {
    await store.put({ ...base, name: 'list.test', recipients: ['A@list.test'] });
    await store.put({ ...base, name: 'open.test' });
    expect(await store.recipientVerdict('a@LIST.test')).toBe('accept');
    expect(await store.recipientVerdict('b@list.test')).toBe('unknown');
    expect(await store.recipientVerdict('anyone@open.test')).toBe('accept');
    expect(await store.recipientVerdict('x@elsewhere.test')).toBe('not-relay');
  });

  it('allows ETRN from the domain networks or its owner only', async () => {
    const domain = { ...base, name: 'e.test', etrnNetworks: ['192.0.2.0/24'], etrnOwner: 'o@e.test' };
    expect(mayStartQueue(domain, { ip: '192.0.2.9', authenticatedAs: null })).toBe(true);
    expect(mayStartQueue(domain, { ip: '::ffff:192.0.2.9', authenticatedAs: null })).toBe(true);
    expect(mayStartQueue(domain, { ip: '198.51.100.1', authenticatedAs: null })).toBe(false);
    expect(mayStartQueue(domain, { ip: '198.51.100.1', authenticatedAs: 'O@e.test' })).toBe(true);
    expect(mayStartQueue(domain, { ip: '198.51.100.1', authenticatedAs: 'x@e.test' })).toBe(false);
    expect(mayStartQueue({ ...base, name: 'n.test' }, { ip: '127.0.0.1', authenticatedAs: null })).toBe(
      false,
    );
  });
});
