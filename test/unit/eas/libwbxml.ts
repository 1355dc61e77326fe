/**
 * Debian's libwbxml2-utils (wbxml2xml, xml2wbxml) as the independent WBXML implementation the
 * ActiveSync codec is checked against, and an XML reader that turns their output into our tree.
 * Suites skip the comparison (with a message) only when the tools are not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Element as XmlElement } from '@xmldom/xmldom';
import { namespaceOf, pageOf } from '../../../core/eas/wbxml/code-pages';
import { toXml } from '../../../core/eas/wbxml/xml';
import type { EasElement } from '../../../core/eas/wbxml/tree';

export const LIBWBXML = spawnSync('wbxml2xml', [], { encoding: 'utf8' }).error === undefined;
export const LIBWBXML_MISSING =
  'libwbxml2-utils (wbxml2xml, xml2wbxml) is not installed: the golden comparison is skipped (apt-get install libwbxml2-utils)';

/**
 * libwbxml 0.11.8 spells these tags differently from MS-ASWBXML (same page, same token): its
 * name → ours, per namespace. Found by encoding every tag of every page (wbxml.golden.test.ts).
 */
export const LIBWBXML_NAMES: Record<string, Record<string, string>> = {
  Contacts: {
    AssistantTelephoneNumber: 'AssistantPhoneNumber',
    ...Object.fromEntries(
      ['Business', 'Home', 'Other'].flatMap((kind) =>
        ['City', 'Country', 'PostalCode', 'State', 'Street'].map((part) => [
          `${kind}${part}`,
          `${kind}Address${part}`,
        ]),
      ),
    ),
  },
  Email: {
    AttOId: 'Att0Id',
    'Reply-To': 'ReplyTo',
    DTStamp: 'DtStamp',
    FlagStatus: 'Status',
    ...recurrence([
      'Type',
      'Until',
      'Occurrences',
      'Interval',
      'DayOfWeek',
      'DayOfMonth',
      'WeekOfMonth',
      'MonthOfYear',
    ]),
  },
  Calendar: {
    Attendee_Email: 'Email',
    Attendee_Name: 'Name',
    Attendee_Status: 'AttendeeStatus',
    Attendee_Type: 'AttendeeType',
    Compressed_RTF: 'CompressedRTF',
    DTStamp: 'DtStamp',
    Exception_Deleted: 'Deleted',
    Exception_StartTime: 'ExceptionStartTime',
    Organizer_Email: 'OrganizerEmail',
    Organizer_Name: 'OrganizerName',
    ...recurrence([
      'Type',
      'Until',
      'Occurrences',
      'Interval',
      'DayOfWeek',
      'DayOfMonth',
      'WeekOfMonth',
      'MonthOfYear',
    ]),
  },
  Tasks: {
    UTCDueDate: 'UtcDueDate',
    UTCStartDate: 'UtcStartDate',
    ...recurrence([
      'Type',
      'Start',
      'Until',
      'Occurrences',
      'Interval',
      'DayOfMonth',
      'DayOfWeek',
      'WeekOfMonth',
      'MonthOfYear',
      'Regenerate',
      'DeadOccur',
    ]),
  },
  Provision: { DeviceEncryptionEnabled: 'RequireStorageCardEncryption' },
  Settings: { SmtpAddress: 'SMTPAddress', ihsManagementInformation: 'RightsManagementInformation' },
  ComposeMail: { MIME: 'Mime' },
  RightsManagement: {
    RMOwner: 'Owner',
    RemoveRightsManagementDistribution: 'RemoveRightsManagementProtection',
  },
};

/** 16.1 tokens that libwbxml 0.11.8 does not know yet (it prints them as <unknown>). */
export const LIBWBXML_LACKS = [
  'MeetingResponse.ProposedStartTime',
  'MeetingResponse.ProposedEndTime',
  'Provision.AccountOnlyRemoteWipe',
  // Code page 25 (Find, 16.1) as a whole.
  ...`Find SearchId ExecuteSearch MailBoxSearchCriterion Query Status FreeText Options Range DeepTraversal
    Response Result Properties Preview HasAttachments Total DisplayCc DisplayBcc GALSearchCriterion
    MaxPictures MaxSize Picture`
    .split(/\s+/)
    .map((tag) => `Find.${tag}`),
];

function recurrence(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [`Recurrence_${name}`, name]));
}

/** Tags libwbxml always carries as OPAQUE (base64 in its XML): their text is compared as bytes. */
export const LIBWBXML_BINARY = [
  'ComposeMail.Mime',
  'Email2.ConversationId',
  'Email2.ConversationIndex',
  'Search.ConversationId',
  'ItemOperations.ConversationId',
  'AirSyncBase.Content',
];

/** A fixture tree with the text of LIBWBXML_BINARY tags turned into opaque bytes (as clients send them). */
export function withBinaryTags(node: EasElement): EasElement {
  const binary = LIBWBXML_BINARY.includes(`${namespaceOf(node.page)}.${node.name}`);
  const out: EasElement = { ...node, children: node.children.map(withBinaryTags) };
  if (binary && node.text !== undefined) {
    delete out.text;
    out.opaque = Buffer.from(node.text, 'utf8');
  }
  return out;
}

/** Our name → libwbxml's, to feed xml2wbxml a document in its spelling. */
export function libwbxmlName(namespace: string, name: string): string {
  const table = LIBWBXML_NAMES[namespace] ?? {};
  return Object.keys(table).find((theirs) => table[theirs] === name) ?? name;
}

function withTemp<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-wbxml-'));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wbxml2xml -l ACTIVESYNC, compact output. Throws with the tool's message when it refuses the input. */
export function wbxml2xml(bytes: Buffer): string {
  return withTemp((dir) => {
    writeFileSync(join(dir, 'in.wbxml'), bytes);
    execFileSync(
      'wbxml2xml',
      ['-l', 'ACTIVESYNC', '-m', '0', '-o', join(dir, 'out.xml'), join(dir, 'in.wbxml')],
      {
        stdio: 'pipe',
      },
    );
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}

/** xml2wbxml -v 1.3 (the XML needs the ActiveSync DOCTYPE for libwbxml to know the language). */
export function xml2wbxml(xml: string): Buffer {
  return withTemp((dir) => {
    writeFileSync(join(dir, 'in.xml'), xml);
    execFileSync('xml2wbxml', ['-v', '1.3', '-o', join(dir, 'out.wbxml'), join(dir, 'in.xml')], {
      stdio: 'pipe',
    });
    return readFileSync(join(dir, 'out.wbxml'));
  });
}

/** XML (ours or wbxml2xml's) → our tree; whitespace-only text between elements is dropped. */
export function parseXmlTree(xml: string): EasElement {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const convert = (node: XmlElement): EasElement => {
    const namespace = (node.namespaceURI ?? '').replace(/:$/, '');
    const page = pageOf(namespace);
    if (page === undefined) throw new Error(`unknown namespace ${node.namespaceURI} on ${node.tagName}`);
    const local = node.localName ?? node.tagName;
    const out: EasElement = { page, name: LIBWBXML_NAMES[namespace]?.[local] ?? local, children: [] };
    let text = '';
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 1) out.children.push(convert(c as XmlElement));
      else if (c.nodeType === 3 || c.nodeType === 4) text += c.nodeValue ?? '';
    }
    if (out.children.length === 0 && text.length > 0) out.text = text;
    return out;
  };
  return convert(doc.documentElement as unknown as XmlElement);
}

/** Our tree in libwbxml's spelling, as XML xml2wbxml accepts (with the ActiveSync DOCTYPE). */
export function toLibwbxmlXml(root: EasElement): string {
  const rename = (n: EasElement): EasElement => ({
    ...n,
    name: libwbxmlName(namespaceOf(n.page), n.name),
    children: n.children.map(rename),
  });
  return toXml(rename(root), { doctype: true });
}

/** A tree as plain data for toEqual: opaque bytes as base64 text (how XML carries them). */
export function comparable(node: EasElement): unknown {
  return {
    page: node.page,
    name: node.name,
    ...(node.text !== undefined ? { text: node.text } : {}),
    ...(node.opaque !== undefined ? { text: node.opaque.toString('base64') } : {}),
    ...(node.children.length ? { children: node.children.map(comparable) } : {}),
  };
}

/**
 * wbxml2xml's tree with its <unknown> elements named as ours where ours is a tag libwbxml lacks
 * (LIBWBXML_LACKS): same position, same page. Anything else stays as libwbxml read it.
 */
export function alignLacking(theirs: EasElement, ours: EasElement): EasElement {
  const lacking =
    theirs.name === 'unknown' && LIBWBXML_LACKS.includes(`${namespaceOf(ours.page)}.${ours.name}`);
  return {
    ...theirs,
    page: lacking ? ours.page : theirs.page,
    name: lacking ? ours.name : theirs.name,
    children: theirs.children.map((c, i) => (ours.children[i] ? alignLacking(c, ours.children[i]) : c)),
  };
}
