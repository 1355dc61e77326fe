/**
 * The entry point the DAV PUT/DELETE handlers call after a calendar object changed. It takes the
 * SchedulingDeps/text form of the brief, and also the form functions/dav/scheduling-hook.ts
 * passes (the web context with the store, the collection, and the objects before and after), so
 * either caller works without an adapter of its own.
 */
import type { Directory } from '../../directory/directory';
import type { PimCollection, PimObject } from '../types';
import { implicitSchedule, type CalendarObjectChange, type SchedulingResult } from './implicit';
import type { LocalAccount, SchedulingDeps, SchedulingStore, SubmitMail } from './ports';

/** What the DAV layer has at hand: its web context (directory, outbound acceptor) and the store. */
export interface DavSchedulingContext {
  store: SchedulingStore;
  directory: Pick<Directory, 'getAccount'>;
  acceptor?: { accept: SubmitMail };
}

export interface DavObjectChange {
  account: LocalAccount;
  collection: Pick<PimCollection, 'id'>;
  before: Pick<PimObject, 'data'> | null;
  after: Pick<PimObject, 'data'> | null;
}

function depsFromDav(ctx: DavSchedulingContext): SchedulingDeps {
  return {
    store: ctx.store,
    localAccount: async (address) => {
      const account = await ctx.directory.getAccount(address);
      return account && !account.disabled ? { id: account.id, address: account.address } : null;
    },
    submit: async (input) => {
      if (!ctx.acceptor) throw new Error('no outbound mail path on this node');
      return ctx.acceptor.accept(input);
    },
  };
}

/** Call after a successful PUT (before/after) or DELETE (after null) of a calendar object. */
export async function onCalendarObjectChanged(
  deps: SchedulingDeps | DavSchedulingContext,
  change: CalendarObjectChange | DavObjectChange,
): Promise<SchedulingResult> {
  const schedulingDeps = 'localAccount' in deps ? deps : depsFromDav(deps);
  const text = (v: string | Pick<PimObject, 'data'> | null) =>
    v === null || typeof v === 'string' ? v : v.data;
  return implicitSchedule(schedulingDeps, {
    account: { id: change.account.id, address: change.account.address },
    collectionId: 'collectionId' in change ? change.collectionId : change.collection.id,
    before: text(change.before),
    after: text(change.after),
  });
}
