/** Email/get and Email/parse (RFC 8621 §4.2, §4.9): properties from SQL first, the blob only when needed. */
import { decodeHeaderValue, parseMessageStructure, type HeaderField, type MessageStructure } from '../mime';
import { firstValue, parseHeaderFields } from '../mime/header-parser';
import type { JmapAccount, JmapDeps } from './context';
import {
  bodyLists,
  bodyStructure,
  makePreview,
  messageIds,
  parseAddressHeader,
  partText,
  toEmailAddresses,
  type Leaf,
} from './email-body';
import { JmapMethodError } from './errors';
import { blobIdOf, emailIdOf, mailboxIdOf, parseEmailId, threadIdOf } from './ids';
import { headerFields, loadMessages, rawMessage } from './messages';
import { accountState } from './state';
import { threadIdsOf } from './threads';
import { checkAccount, flagsToKeywords, idList, propertyList, type Args } from './util';
import { readBlob } from './blobs';

export const EMAIL_PROPERTIES = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
  'hasAttachment',
  'preview',
  'bodyStructure',
  'textBody',
  'htmlBody',
  'attachments',
  'bodyValues',
  'headers',
] as const;
// RFC 8621 §4.2: by default every property except bodyStructure and the raw headers.
const DEFAULT_PROPERTIES = EMAIL_PROPERTIES.filter((p) => p !== 'bodyStructure' && p !== 'headers');
const BODY_PROPERTIES = [
  'partId',
  'blobId',
  'size',
  'name',
  'type',
  'charset',
  'disposition',
  'cid',
  'language',
  'location',
];
const NEEDS_RAW = new Set([
  'hasAttachment',
  'preview',
  'bodyStructure',
  'textBody',
  'htmlBody',
  'attachments',
  'bodyValues',
]);
const NEEDS_HEADERS = new Set(['references', 'headers', 'sender']);

interface BodyOptions {
  fetchTextBodyValues: boolean;
  fetchHTMLBodyValues: boolean;
  fetchAllBodyValues: boolean;
  maxBodyValueBytes: number;
  bodyProperties: string[];
}

function bodyOptions(args: Args): BodyOptions {
  return {
    fetchTextBodyValues: args.fetchTextBodyValues === true,
    fetchHTMLBodyValues: args.fetchHTMLBodyValues === true,
    fetchAllBodyValues: args.fetchAllBodyValues === true,
    maxBodyValueBytes: typeof args.maxBodyValueBytes === 'number' ? args.maxBodyValueBytes : 0,
    bodyProperties: Array.isArray(args.bodyProperties) ? (args.bodyProperties as string[]) : BODY_PROPERTIES,
  };
}

function pick(part: Record<string, unknown>, props: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) if (p !== 'subParts') out[p] = part[p] ?? null;
  if (props.includes('subParts') || part.subParts) {
    if (part.subParts) out.subParts = (part.subParts as Record<string, unknown>[]).map((s) => pick(s, props));
  }
  return out;
}

/** header:Name[:asText|:asAddresses|:asMessageIds|:asDate|:asURLs|:asRaw][:all] */
function headerProperty(fields: HeaderField[], property: string): unknown {
  const parts = property.split(':');
  const name = parts[1] ?? '';
  const all = parts[parts.length - 1] === 'all';
  const form = parts.length > 2 && parts[2] !== 'all' ? parts[2] : 'asRaw';
  const values = fields.filter((f) => f.name.toLowerCase() === name.toLowerCase()).map((f) => f.value);
  const convert = (v: string): unknown => {
    switch (form) {
      case 'asText':
        return decodeHeaderValue(v).trim();
      case 'asAddresses':
        return parseAddressHeader(v);
      case 'asMessageIds':
        return messageIds(v);
      case 'asDate': {
        const t = Date.parse(v.replace(/\s*\([^)]*\)\s*$/, ''));
        return Number.isNaN(t) ? null : new Date(t).toISOString();
      }
      case 'asURLs':
        return (v.match(/<([^>]+)>/g) ?? []).map((u) => u.slice(1, -1));
      default:
        return ' ' + v;
    }
  };
  if (all) return values.map(convert);
  return values.length > 0 ? convert(values[values.length - 1]) : null;
}

/** Builds the requested properties of one message (stored or parsed). */
export async function buildEmail(
  base: {
    id?: number;
    mailboxId?: number;
    flags?: string[];
    internalDate?: Date;
    size: number;
    structure: MessageStructure;
    blobId: string;
    threadId?: number | null;
  },
  properties: string[],
  loadRaw: () => Promise<Buffer>,
  loadHeaders: () => Promise<HeaderField[]>,
  options: BodyOptions,
): Promise<Record<string, unknown>> {
  const env = base.structure.envelope;
  const out: Record<string, unknown> = {};
  const raw = properties.some((p) => NEEDS_RAW.has(p)) ? await loadRaw() : null;
  const fields = properties.some((p) => NEEDS_HEADERS.has(p) || p.startsWith('header:'))
    ? await loadHeaders()
    : null;
  const messageId = base.id ?? 0;
  const lists = raw ? bodyLists(messageId, base.structure) : null;
  const value = (leaf: Leaf) => {
    let text = partText(raw!, leaf.part);
    let truncated = false;
    if (options.maxBodyValueBytes > 0 && Buffer.byteLength(text) > options.maxBodyValueBytes) {
      text = Buffer.from(text)
        .subarray(0, options.maxBodyValueBytes)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
      truncated = true;
    }
    return { value: text, isEncodingProblem: false, isTruncated: truncated };
  };
  for (const p of properties) {
    switch (p) {
      case 'id':
        out.id = base.id ? emailIdOf(base.id) : null;
        break;
      case 'blobId':
        out.blobId = base.blobId;
        break;
      case 'threadId':
        out.threadId = base.threadId ? threadIdOf(base.threadId) : null;
        break;
      case 'mailboxIds':
        out.mailboxIds = base.mailboxId ? { [mailboxIdOf(base.mailboxId)]: true } : null;
        break;
      case 'keywords':
        out.keywords = base.flags ? flagsToKeywords(base.flags) : null;
        break;
      case 'size':
        out.size = base.size;
        break;
      case 'receivedAt':
        out.receivedAt = base.internalDate ? base.internalDate.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
        break;
      case 'messageId':
        out.messageId = messageIds(env.messageId);
        break;
      case 'inReplyTo':
        out.inReplyTo = messageIds(env.inReplyTo);
        break;
      case 'references':
        out.references = messageIds(firstValue(fields!, 'references'));
        break;
      case 'sender':
        out.sender = parseAddressHeader(firstValue(fields!, 'sender'));
        break;
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
      case 'replyTo':
        out[p] = toEmailAddresses(env[p]);
        break;
      case 'subject':
        out.subject = env.subject === null ? null : decodeHeaderValue(env.subject);
        break;
      case 'sentAt': {
        const t = env.date ? Date.parse(env.date.replace(/\s*\([^)]*\)\s*$/, '')) : NaN;
        out.sentAt = Number.isNaN(t) ? null : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
        break;
      }
      case 'hasAttachment':
        out.hasAttachment = lists!.attachments.some(
          (l) => !l.jmap.type.startsWith('text/') || l.jmap.disposition === 'attachment',
        );
        break;
      case 'preview':
        out.preview = makePreview(raw!, lists!);
        break;
      case 'bodyStructure':
        out.bodyStructure = pick(
          bodyStructure(messageId, base.structure) as unknown as Record<string, unknown>,
          [...options.bodyProperties, 'subParts'],
        );
        break;
      case 'textBody':
      case 'htmlBody':
      case 'attachments':
        out[p] = lists![p].map((l) =>
          pick(l.jmap as unknown as Record<string, unknown>, options.bodyProperties),
        );
        break;
      case 'bodyValues': {
        const values: Record<string, unknown> = {};
        const add = (leaf: Leaf) => {
          if (leaf.jmap.partId && leaf.jmap.type.startsWith('text/')) values[leaf.jmap.partId] = value(leaf);
        };
        if (options.fetchAllBodyValues) {
          const walk = (ls: Leaf[]) => ls.forEach(add);
          walk([...lists!.textBody, ...lists!.htmlBody, ...lists!.attachments]);
        } else {
          if (options.fetchTextBodyValues) lists!.textBody.forEach(add);
          if (options.fetchHTMLBodyValues) lists!.htmlBody.forEach(add);
        }
        out.bodyValues = values;
        break;
      }
      case 'headers':
        out.headers = fields!.map((f) => ({ name: f.name, value: ' ' + f.value }));
        break;
      default:
        if (p.startsWith('header:')) out[p] = headerProperty(fields!, p);
    }
  }
  return out;
}

export async function emailGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const requested = idList(args.ids, 'ids');
  if (requested === null)
    throw new JmapMethodError('requestTooLarge', 'ids: null is not supported for Email/get');
  if (requested.length > 1000) throw new JmapMethodError('requestTooLarge');
  const properties = propertyList(args.properties, EMAIL_PROPERTIES, DEFAULT_PROPERTIES);
  if (!properties.includes('id')) properties.unshift('id');
  const options = bodyOptions(args);
  const state = await accountState(deps.db, account.id);
  const numeric = requested.map(parseEmailId).filter((n): n is number => n !== null);
  const messages = await loadMessages(deps, account, numeric);
  const threads = properties.includes('threadId')
    ? await threadIdsOf(deps, account, [...messages.keys()])
    : new Map<number, number>();
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const id of requested) {
    const n = parseEmailId(id);
    const m = n === null ? undefined : messages.get(n);
    if (!m) {
      notFound.push(id);
      continue;
    }
    list.push(
      await buildEmail(
        {
          ...m,
          blobId: blobIdOf({ kind: 'message', messageId: m.id, part: null }),
          threadId: threads.get(m.id) ?? null,
        },
        properties,
        () => rawMessage(deps, m),
        () => headerFields(deps, m),
        options,
      ),
    );
  }
  return { accountId: args.accountId, state, list, notFound };
}

export async function emailParse(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const blobIds = idList(args.blobIds, 'blobIds') ?? [];
  const properties = propertyList(
    args.properties,
    EMAIL_PROPERTIES,
    DEFAULT_PROPERTIES.filter((p) => !['id', 'mailboxIds', 'keywords', 'receivedAt', 'threadId'].includes(p)),
  );
  const parsed: Record<string, unknown> = {};
  const notParsable: string[] = [];
  const notFound: string[] = [];
  for (const blobId of blobIds) {
    const blob = await readBlob(deps, account, blobId);
    if (!blob) {
      notFound.push(blobId);
      continue;
    }
    try {
      const structure = parseMessageStructure(blob.data);
      parsed[blobId] = await buildEmail(
        { size: blob.data.length, structure, blobId },
        properties.filter((p) => !['id', 'mailboxIds', 'keywords', 'receivedAt', 'threadId'].includes(p)),
        async () => blob.data,
        async () => parseHeaderFields(blob.data.subarray(0, structure.headerSize)),
        bodyOptions(args),
      );
    } catch {
      notParsable.push(blobId);
    }
  }
  return { accountId: args.accountId, parsed, notParsable, notFound };
}
