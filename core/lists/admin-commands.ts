/**
 * Admin commands for mailing lists (`nimbus list …`, /api/admin/lists): create, change, remove
 * and show lists, their members and their held posts. They run through executeAdminCommand
 * (core/admin), which writes the audit entry of every change. Moderation decisions are recorded
 * here and carried out by the delivery role (moderation.ts), so no distributor is needed.
 */
import { AdminError } from '../admin/admin-error';
import type { Directory } from '../directory/directory';
import type { Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { HeldStore, type HeldPost } from './held-store';
import { addressList, parseListChanges } from './list-settings-input';
import { isReservedLocalPart, roleAddresses } from './list-router';
import { ListStore } from './list-store';
import { MemberStore } from './member-store';
import { ModerationError, requestDecision } from './moderation';
import type { DeliveryMode, MailingList } from './types';
import { isAddress } from './commands/address-arg';

type Settings = Record<string, unknown>;

export type ListAdminCommand =
  | { op: 'list.add'; address: string; settings?: Settings; owners?: string[]; moderators?: string[] }
  | {
      op: 'list.set';
      address: string;
      settings?: Settings;
      owners?: string[];
      moderators?: string[];
      allow?: string[];
    }
  | { op: 'list.remove'; address: string }
  | { op: 'list.list'; domain?: string }
  | { op: 'list.show'; address: string }
  | { op: 'list.members'; address: string; cursor?: string; limit?: number }
  | {
      op: 'list.subscribe';
      address: string;
      member: string;
      displayName?: string | null;
      deliveryMode?: DeliveryMode;
      moderated?: boolean;
    }
  | { op: 'list.unsubscribe'; address: string; member: string }
  | { op: 'list.held'; address: string }
  | {
      op: 'list.approve' | 'list.reject' | 'list.discard' | 'list.defer';
      address: string;
      id: string;
      reason?: string;
    };

/** Commands that change nothing (not audited). */
export const LIST_READS = ['list.list', 'list.show', 'list.members', 'list.held', 'list.defer'] as const;

export const isListCommand = (command: { op: string }): command is ListAdminCommand =>
  command.op.startsWith('list.');

interface Ctx {
  db: SqlDatabase;
  directory: Directory;
  spool: Spool;
}

async function getList(db: SqlDatabase, address: string): Promise<MailingList> {
  const list = await new ListStore(db).get(address);
  if (!list) throw new AdminError('not-found', `no list ${address}`);
  return list;
}

/** A list address must be free: no account or alias owns it or one of its role addresses. */
async function refuseCollisions(db: SqlDatabase, address: string): Promise<void> {
  const addresses = roleAddresses(address);
  const taken = await db.query<{ address: string }>(
    `SELECT address FROM accounts WHERE address = ANY($1::text[])
     UNION SELECT source FROM aliases WHERE source = ANY($1::text[])
     UNION SELECT address FROM lists WHERE address = ANY($1::text[])`,
    [addresses],
  );
  if (taken.rows.length > 0)
    throw new AdminError('exists', `${taken.rows[0].address} is already an account, alias or list`);
}

const summary = (h: HeldPost) => ({
  id: h.id,
  sender: h.sender,
  subject: h.subject,
  reason: h.reason,
  heldAt: h.heldAt,
  size: h.size,
  decision: h.decision,
});

export async function runListCommand(ctx: Ctx, command: ListAdminCommand): Promise<unknown> {
  try {
    return await run(ctx, command);
  } catch (error) {
    if (error instanceof ModerationError) throw new AdminError(error.code, error.message);
    throw error;
  }
}

async function run(ctx: Ctx, command: ListAdminCommand): Promise<unknown> {
  const lists = new ListStore(ctx.db);
  const members = new MemberStore(ctx.db);
  switch (command.op) {
    case 'list.add': {
      const address = command.address.trim().toLowerCase();
      if (!isAddress(address)) throw new AdminError('bad-address', `${command.address} is not an address`);
      const at = address.lastIndexOf('@');
      const local = address.slice(0, at);
      const domain = await ctx.directory.getDomain(address.slice(at + 1));
      if (!domain)
        throw new AdminError('unknown-domain', `domain ${address.slice(at + 1)} is not hosted here`);
      if (isReservedLocalPart(local))
        throw new AdminError(
          'invalid',
          `a list name may not contain '+' nor end in -request, -join, -leave, -owner, -bounces or -confirm`,
        );
      const changes = parseListChanges(command.settings ?? {});
      const owners = addressList('owners', command.owners) ?? [];
      const moderators = addressList('moderators', command.moderators) ?? [];
      await refuseCollisions(ctx.db, address);
      const list = await lists.create(domain.id, local, domain.name, changes);
      if (owners.length) await lists.setRoles(list.id, 'owner', owners);
      if (moderators.length) await lists.setRoles(list.id, 'moderator', moderators);
      return show(ctx, list);
    }
    case 'list.set': {
      const list = await getList(ctx.db, command.address);
      await lists.update(list.id, parseListChanges(command.settings ?? {}));
      const owners = addressList('owners', command.owners);
      const moderators = addressList('moderators', command.moderators);
      const allow = addressList('allow', command.allow, true);
      if (owners) await lists.setRoles(list.id, 'owner', owners);
      if (moderators) await lists.setRoles(list.id, 'moderator', moderators);
      if (allow) await lists.setAllowList(list.id, allow);
      return show(ctx, (await lists.getById(list.id))!);
    }
    case 'list.remove': {
      const list = await getList(ctx.db, command.address);
      // Held posts give their blob references back before the rows go.
      const held = new HeldStore(ctx.db);
      for (const post of await held.open(list.id, 100_000)) {
        if (post.decision === null) await held.decide(post.id, 'discard', 'list.remove', null);
        await held.finish(post.id);
      }
      await lists.remove(list.id);
      return { removed: list.address };
    }
    case 'list.list':
      return lists.list(command.domain);
    case 'list.show':
      return show(ctx, await getList(ctx.db, command.address));
    case 'list.members': {
      const list = await getList(ctx.db, command.address);
      const limit = Math.min(Math.max(Number(command.limit ?? 1000) || 1000, 1), 10_000);
      if (command.cursor !== undefined && !/^\d{1,19}$/.test(command.cursor))
        throw new AdminError('invalid', 'cursor must be the `next` value of the previous page');
      return members.page(list.id, { cursor: command.cursor, limit });
    }
    case 'list.subscribe': {
      const list = await getList(ctx.db, command.address);
      const member = command.member.trim().toLowerCase();
      if (!isAddress(member)) throw new AdminError('bad-address', `${command.member} is not an address`);
      if (
        command.deliveryMode !== undefined &&
        !['normal', 'digest', 'nomail'].includes(command.deliveryMode)
      )
        throw new AdminError('invalid', 'deliveryMode must be normal, digest or nomail');
      const { member: row, added } = await members.add(list.id, member, {
        displayName: command.displayName ?? null,
      });
      const updated =
        command.deliveryMode !== undefined || command.moderated !== undefined
          ? await members.setOptions(list.id, member, {
              deliveryMode: command.deliveryMode,
              moderated: command.moderated,
            })
          : row;
      return { list: list.address, member: updated, added };
    }
    case 'list.unsubscribe': {
      const list = await getList(ctx.db, command.address);
      if (!(await members.remove(list.id, command.member)))
        throw new AdminError('not-found', `${command.member} is not a member of ${list.address}`);
      return { list: list.address, removed: command.member.trim().toLowerCase() };
    }
    case 'list.held': {
      const list = await getList(ctx.db, command.address);
      return (await new HeldStore(ctx.db).open(list.id)).map(summary);
    }
    case 'list.defer': {
      const list = await getList(ctx.db, command.address);
      const held = await new HeldStore(ctx.db).get(command.id);
      if (!held || held.listId !== list.id) throw new AdminError('not-found', `no held post ${command.id}`);
      return { ...summary(held), deferred: true };
    }
    case 'list.approve':
    case 'list.reject':
    case 'list.discard': {
      const list = await getList(ctx.db, command.address);
      if (!/^\d{1,19}$/.test(command.id)) throw new AdminError('invalid', 'id must be a held post id');
      const decision =
        command.op === 'list.approve' ? 'approve' : command.op === 'list.reject' ? 'reject' : 'discard';
      const held = await requestDecision(ctx, list, command.id, decision, 'admin', command.reason ?? null);
      return summary(held);
    }
  }
}

async function show(ctx: Ctx, list: MailingList): Promise<unknown> {
  const lists = new ListStore(ctx.db);
  return {
    ...list,
    owners: await lists.roles(list.id, 'owner'),
    moderators: await lists.roles(list.id, 'moderator'),
    allow: await lists.allowList(list.id),
    members: await new MemberStore(ctx.db).count(list.id),
    held: (await new HeldStore(ctx.db).open(list.id)).length,
  };
}
