/**
 * What ActiveSync commands run against, from the web context: the ports, the PIM store of
 * calendars, contacts and tasks, and the item sources of each folder kind. Each class adds its
 * source to `items` here (core/eas/sync/item-source.ts).
 */
import type { EasDeps } from '../../core/eas/command';
import { EmailItemSource } from '../../core/eas/email/email-source';
import { pimFolderSource } from '../../core/eas/pim-folders';
import { pimItemSources } from '../../core/eas/pim/pim-source';
import type { EasItemSource } from '../../core/eas/sync/item-source';
import { PimStore } from '../../core/pim/pim-store';
import type { WebContext } from '../web/context';
import type { EasSettings } from './settings';

export function easDeps(ctx: WebContext, settings: EasSettings): EasDeps {
  const pimStore = new PimStore(ctx.db, ctx.events);
  const items: EasItemSource[] = [];
  items.push(new EmailItemSource(ctx, { maxBodyBytes: settings.limits.maxBodyBytes }));
  items.push(...pimItemSources(pimStore));
  return {
    db: ctx.db,
    events: ctx.events,
    policy: settings.policy,
    blobs: ctx.blobs,
    directory: ctx.directory,
    acceptor: ctx.acceptor,
    outbound: ctx.outbound,
    pim: pimFolderSource(pimStore),
    pimStore,
    items,
    ping: settings.ping,
    limits: settings.limits,
  };
}
