/**
 * The few Route 53 REST-XML shapes the DNS-01 adapter uses, built and parsed here (the requests
 * are sent by route53-api.ts). The responses are flat and fixed by the 2013-04-01 API, so a small
 * tag reader is enough; values are unescaped, requests escaped.
 */
export const ROUTE53_NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface TxtRecordSet {
  name: string;
  ttl: number;
  /** The record's values as Route 53 shows them: quoted character strings, e.g. `"abc"`. */
  values: string[];
}

export interface ChangeInfo {
  id: string;
  status: 'PENDING' | 'INSYNC' | string;
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const unescape = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&');

/** The text of every `<tag>` element directly in `xml` (no attributes are used by these shapes). */
function elements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  for (const match of xml.matchAll(pattern)) out.push(match[1]);
  return out;
}

function text(xml: string, tag: string): string | undefined {
  const [first] = elements(xml, tag);
  return first === undefined ? undefined : unescape(first.trim());
}

export function changeBatchXml(action: 'UPSERT' | 'DELETE', record: TxtRecordSet, comment: string): string {
  const values = record.values
    .map((value) => `<ResourceRecord><Value>${escape(value)}</Value></ResourceRecord>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<ChangeResourceRecordSetsRequest xmlns="${ROUTE53_NAMESPACE}"><ChangeBatch>` +
    `<Comment>${escape(comment)}</Comment><Changes><Change><Action>${action}</Action>` +
    `<ResourceRecordSet><Name>${escape(record.name)}</Name><Type>TXT</Type><TTL>${record.ttl}</TTL>` +
    `<ResourceRecords>${values}</ResourceRecords></ResourceRecordSet></Change></Changes>` +
    `</ChangeBatch></ChangeResourceRecordSetsRequest>`
  );
}

export function parseChangeInfo(xml: string): ChangeInfo {
  const [info] = elements(xml, 'ChangeInfo');
  const id = info && text(info, 'Id');
  const status = info && text(info, 'Status');
  if (!id || !status) throw new Error('Route 53 answered without a ChangeInfo');
  return { id: id.replace(/^\/change\//, ''), status };
}

/** The TXT record sets of a ListResourceRecordSets answer. */
export function parseTxtRecordSets(xml: string): TxtRecordSet[] {
  return elements(xml, 'ResourceRecordSet')
    .filter((set) => text(set, 'Type') === 'TXT')
    .map((set) => ({
      name: text(set, 'Name') ?? '',
      ttl: Number(text(set, 'TTL') ?? 300),
      values: elements(set, 'Value').map((value) => unescape(value.trim())),
    }));
}

/** An error answer (`<ErrorResponse><Error><Code>…`), as `Code: Message`. */
export function parseErrorXml(xml: string): string {
  const code = text(xml, 'Code') ?? 'UnknownError';
  const message = text(xml, 'Message') ?? '';
  return message ? `${code}: ${message}` : code;
}
