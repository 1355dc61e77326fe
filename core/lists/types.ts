/**
 * The shapes shared by the list code (core/lists/**): a list and its members as stored, a routed
 * list address, and the two interfaces L2's posting and bounce code implement for ListDelivery.
 */

export type PostAction = 'accept' | 'hold' | 'reject' | 'discard';
export type DeliveryMode = 'normal' | 'digest' | 'nomail';
export type DmarcMitigation = 'munge-from' | 'wrap' | 'none';
export type ArchiveVisibility = 'members' | 'public' | 'none';
export type DigestSchedule = 'daily' | 'weekly' | 'monthly';
export type ReplyToPolicy = 'author' | 'list';

export interface MailingList {
  id: string;
  domain: string;
  localPart: string;
  /** local@domain, lower case. */
  address: string;
  name: string;
  description: string;
  subjectPrefix: string | null;
  footer: string | null;
  dmarcMitigation: DmarcMitigation;
  archiveVisibility: ArchiveVisibility;
  digestSchedule: DigestSchedule | null;
  replyTo: ReplyToPolicy;
  /** null: the node's lists.maxPostBytes. */
  maxPostBytes: number | null;
  policy: { members: PostAction; moderated: PostAction; nonMembers: PostAction };
  createdAt: string;
}

export interface ListMember {
  id: string;
  listId: string;
  address: string;
  displayName: string | null;
  deliveryMode: DeliveryMode;
  moderated: boolean;
  bounceScore: number;
  lastBounceAt: string | null;
  disabledReason: string | null;
  subscribedAt: string;
}

/** The address roles of a list (RFC 2369 and Mailman's -request/-join/-leave/-owner/-bounces/-confirm). */
export type ListRole = 'post' | 'request' | 'join' | 'leave' | 'owner' | 'bounces' | 'confirm';

export interface ListRoute {
  list: MailingList;
  role: ListRole;
  /** bounces: the member decoded from the VERP address (LIST-bounces+local=domain@). */
  verp?: string;
  /** confirm: the token of LIST-confirm+TOKEN@. */
  token?: string;
}

/** An accepted post handed to the posting pipeline (L2, core/lists/posting/distribute.ts). */
export interface ListPost {
  /** Queue id of the post as received: distribute must be idempotent on it (jobs are retried). */
  queueId: string;
  body: Buffer;
  mailFrom: string;
  receivedAt: string;
}

export interface PostDistributor {
  distribute(list: MailingList, post: ListPost): Promise<void>;
}

export interface BounceHandler {
  handle(list: MailingList, memberAddress: string, body: Buffer): Promise<void>;
}
