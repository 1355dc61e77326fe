import type { AuthorPolicy } from './dmarc';
import { addFooter } from './footer';
import {
  fieldName,
  joinMessage,
  makeField,
  splitMessage,
  withoutFields,
  type HeaderBlock,
} from './header-block';
import { isReplacedField, listFields, phrase } from './list-headers';
import { authorOf, mungeFrom, wrapMessage } from './mitigate';
import { prefixSubject } from './subject';
import type { PostingList } from './types';

export interface ListCopyInput {
  list: PostingList;
  /** The accepted post as stored by the MX (our Authentication-Results on top). */
  post: Buffer;
  /** The author's domain's published DMARC policy (dmarc.ts authorDmarcPolicy). */
  authorPolicy: AuthorPolicy;
  /** Archived-At (RFC 5064) of this post and List-Archive of the list, when archived. */
  archive?: { url: string | null; listUrl?: string | null };
}

/**
 * The base list copy every member's copy is made from: the poster's List-* and control fields
 * replaced by ours, From munged or the post wrapped when the author's DMARC policy demands it,
 * the subject prefix and the footer. Only List-Unsubscribe (per member) and the DKIM signature
 * are added later (personalize.ts). Pure: no I/O, never throws on malformed MIME.
 */
export function buildListCopy(input: ListCopyInput): Buffer {
  const { list } = input;
  const split = splitMessage(input.post);
  // Lines that are no field at all (no name, or a name outside RFC 5322 ftext) are dropped too.
  const drop = (name: string) => isReplacedField(name) || !/^[!-9;-~]+$/.test(name);
  let block: HeaderBlock = { fields: withoutFields(split.fields, drop), body: split.body };

  const author = authorOf(block.fields);
  const mitigation = list.dmarcMitigation ?? 'munge-from';
  if (author && input.authorPolicy !== 'none' && mitigation === 'munge-from') {
    block = mungeFrom(block, list, author);
  } else if (author && input.authorPolicy !== 'none' && mitigation === 'wrap') {
    block = wrapMessage(input.post, block, list, author);
  }

  // A post without From (RFC 5322 requires one) goes out from the list rather than unparsable.
  if (!block.fields.some((f) => fieldName(f) === 'from')) {
    block = {
      fields: [makeField('From', `${phrase(list.name)} <${list.address}>`), ...block.fields],
      body: block.body,
    };
  }
  block = withSubject(block, list.subjectPrefix);
  block = addFooter(block, list.footer);
  block = {
    fields: [...block.fields, ...listFields(list, input.archive ?? { url: null })],
    body: block.body,
  };
  return joinMessage(block);
}

function withSubject(block: HeaderBlock, prefix: string | null | undefined): HeaderBlock {
  if (!prefix) return block;
  const index = block.fields.findIndex((f) => fieldName(f) === 'subject');
  const current = index < 0 ? null : block.fields[index].slice(block.fields[index].indexOf(':') + 1).trim();
  const next = prefixSubject(current?.replace(/\r\n[ \t]+/g, ' ') ?? null, prefix);
  if (next === null || next === current) return block;
  const fields = [...block.fields];
  if (index < 0) fields.push(makeField('Subject', next));
  else fields[index] = makeField('Subject', next);
  return { fields, body: block.body };
}

/** Loop detection for the entry point: the post already went through this list. */
export function cameThroughList(post: Buffer, listAddress: string): boolean {
  const own = listAddress.toLowerCase();
  const id = own.replace('@', '.');
  return splitMessage(post).fields.some((f) => {
    const name = fieldName(f);
    const value = f.slice(f.indexOf(':') + 1).toLowerCase();
    return (name === 'x-loop' && value.trim() === own) || (name === 'list-id' && value.includes(`<${id}>`));
  });
}
