/**
 * Admin commands for calendar and address book sharing (docs/dav.md): `nimbus dav share|unshare|
 * shares`. COLLECTION is "calendars/<name>" or "addressbooks/<name>" (a bare name means a
 * calendar). Grants stay within the owner's domain (core/pim/pim-grants).
 */
import { PimError } from '../pim/pim-errors';
import { grantsOf, removeGrant, setGrant } from '../pim/pim-grants';
import { PimStore } from '../pim/pim-store';
import type { PimAccess, PimHome } from '../pim/types';
import type { SqlDatabase } from '../ports/sql';
import type { Directory } from '../directory/directory';

export type DavAdminCommand =
  | { op: 'dav.share'; address: string; collection: string; with: string; access: PimAccess }
  | { op: 'dav.unshare'; address: string; collection: string; with: string }
  | { op: 'dav.shares'; address: string };

export class DavAdminError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DavAdminError';
  }
}

export const isDavCommand = (command: { op: string }): command is DavAdminCommand =>
  command.op.startsWith('dav.');

function splitCollection(text: string): { home: PimHome; name: string } {
  const [first, ...rest] = text.replace(/^\/+|\/+$/g, '').split('/');
  if (rest.length > 0 && (first === 'calendars' || first === 'addressbooks'))
    return { home: first, name: rest.join('/') };
  return { home: 'calendars', name: text };
}

export async function runDavCommand(
  ctx: { db: SqlDatabase; directory: Directory },
  command: DavAdminCommand,
): Promise<unknown> {
  const owner = await ctx.directory.getAccount(command.address);
  if (!owner) throw new DavAdminError('not-found', `no account ${command.address}`);
  if (command.op === 'dav.shares') return grantsOf(ctx.db, owner.id);
  const store = new PimStore(ctx.db, null);
  const { home, name } = splitCollection(command.collection);
  const collection = await store.collection(owner.id, home, name);
  if (!collection) throw new DavAdminError('not-found', `${command.address} has no ${home}/${name}`);
  try {
    if (command.op === 'dav.share') {
      if (command.access !== 'read' && command.access !== 'read-write')
        throw new DavAdminError('invalid', 'access must be read or read-write');
      await setGrant(ctx.db, collection, command.with, command.access);
      return {
        owner: owner.address,
        collection: `${home}/${name}`,
        grantee: command.with.toLowerCase(),
        access: command.access,
      };
    }
    const removed = await removeGrant(ctx.db, collection.id, command.with);
    if (!removed) throw new DavAdminError('not-found', `${command.with} has no grant on ${home}/${name}`);
    return {
      owner: owner.address,
      collection: `${home}/${name}`,
      grantee: command.with.toLowerCase(),
      removed: true,
    };
  } catch (error) {
    if (error instanceof PimError)
      throw new DavAdminError(error.code === 'not-found' ? 'not-found' : 'invalid', error.message);
    throw error;
  }
}
