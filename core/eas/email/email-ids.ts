/**
 * Mail item identifiers: ServerIds "m<mailboxId>:<uid>" and attachment FileReferences
 * "m<mailboxId>:<uid>:<part>" where <part> is the IMAP BODY[] section number of the attachment
 * ("2", "1.2"). ItemOperations (attachments) relies on exactly this format.
 */
import { mailboxIdOf } from '../folders';

export interface MailItemId {
  mailboxId: number;
  uid: number;
}

const ID = '[1-9][0-9]{0,15}';
const ITEM = new RegExp(`^m(${ID}):(${ID})$`);
const FILE = new RegExp(`^m(${ID}):(${ID}):(${ID}(?:\\.${ID}){0,31})$`);

export const itemServerId = (mailboxId: number, uid: number): string => `m${mailboxId}:${uid}`;

/** The mailbox and UID of a mail ServerId, or null for anything else (including bad numbers). */
export function parseItemId(serverId: string): MailItemId | null {
  const m = ITEM.exec(serverId);
  if (!m) return null;
  const mailboxId = Number(m[1]);
  const uid = Number(m[2]);
  return Number.isSafeInteger(mailboxId) && Number.isSafeInteger(uid) ? { mailboxId, uid } : null;
}

/** The item if it lies in `collectionId` ("m12"), else null: a ServerId names one folder's item. */
export function itemIn(collectionId: string, serverId: string): MailItemId | null {
  const mailboxId = mailboxIdOf(collectionId);
  const item = parseItemId(serverId);
  return item && item.mailboxId === mailboxId ? item : null;
}

export const fileReference = (mailboxId: number, uid: number, part: number[]): string =>
  `m${mailboxId}:${uid}:${part.join('.')}`;

export interface FileReferenceParts extends MailItemId {
  /** IMAP section path, e.g. [1, 2]. */
  part: number[];
}

export function parseFileReference(reference: string): FileReferenceParts | null {
  const m = FILE.exec(reference);
  if (!m) return null;
  const mailboxId = Number(m[1]);
  const uid = Number(m[2]);
  const part = m[3].split('.').map(Number);
  if (![mailboxId, uid, ...part].every(Number.isSafeInteger)) return null;
  return { mailboxId, uid, part };
}
